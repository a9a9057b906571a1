/** What a failed start-up log most likely means, and what to do. Pure; first match wins. */
const RULES: readonly { pattern: RegExp; hint: string }[] = [
  {
    pattern: /Invalid Model\(s\) are provided|Provide --conf models/,
    hint: 'MONAI Label rejected the model list. `/monai start deepgrow` uses the default models.',
  },
  {
    pattern: /No module named 'distutils'/,
    hint: 'The pod’s Python is 3.12 without setuptools. Use an image with Python 3.10 or 3.11 (IMAGE_NAME).',
  },
  {
    pattern: /cannot import name|ImportError|ModuleNotFoundError/,
    hint: 'The radiology app on the volume does not match the installed monailabel. An admin can move /workspace/venv/radiology aside; the next start downloads it again.',
  },
  { pattern: /CUDA out of memory|OutOfMemoryError/, hint: 'The GPU ran out of memory: serve fewer models, or use a GPU with more memory.' },
  {
    pattern: /(401|Unauthorized).*(dicom|DICOM)|(dicom|DICOM).*(401|Unauthorized)/,
    hint: 'Orthanc refused the credentials: check DICOMWEB_USERNAME and DICOMWEB_PASSWORD.',
  },
  {
    pattern: /Downloading resource[\s\S]*(HTTPError|URLError|ConnectionError|timed out|Temporary failure in name resolution)/,
    hint: 'A model download failed: the pod may not reach GitHub. `/monai restart` tries again; files already downloaded are kept.',
  },
  {
    pattern: /Failed to fetch series|Max retries exceeded|Connection refused/,
    hint: 'MONAI Label cannot reach the DICOMweb server from the pod: check DICOMWEB_URL and that Orthanc accepts remote connections.',
  },
  { pattern: /Address already in use/, hint: 'Something else on the pod uses port 8000. `/monai restart` stops the old server first.' },
  { pattern: /Killed\b/, hint: 'The process was killed, most often for lack of memory on the pod. `/monai restart` tries again.' },
];

export function diagnoseStartup(lines: readonly string[]): string {
  const text = lines.join('\n');
  return RULES.find((rule) => rule.pattern.test(text))?.hint ?? 'Read the log lines above; `/monai logs 100` shows more.';
}
