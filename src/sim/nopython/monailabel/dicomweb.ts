/**
 * The stand-in's calls to the lab's DICOMweb server, with its credentials attached, as the Python
 * stand-in makes them with urllib (src/sim/monailabel/monailabel/app.py): the series list for the
 * datastore, and the /proxy/dicom/… pass-through.
 */

export class DicomWebError extends Error {}

/** The Authorization header from MONAI_LABEL_DICOMWEB_USERNAME/PASSWORD (both set, or none). */
export function credentials(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const [user, password] = [env['MONAI_LABEL_DICOMWEB_USERNAME'], env['MONAI_LABEL_DICOMWEB_PASSWORD']];
  return user && password ? { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {};
}

export async function fetchSeries(studies: string): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(`${studies.replace(/\/+$/, '')}/series?Modality=CT`, {
      headers: { Accept: 'application/dicom+json', ...credentials() },
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new DicomWebError(urlErrorReason(error));
  }
  if (response.status === 204) return []; // DICOMweb's "no matches"
  if (response.status >= 400) {
    await response.body?.cancel();
    throw new DicomWebError(`HTTP Error ${response.status}: ${response.statusText}`);
  }
  if (response.status !== 200) throw new DicomWebError(`HTTP ${response.status}`);
  try {
    const body = JSON.parse((await response.text()) || '[]') as { '0020000E': { Value: string[] } }[];
    return body.map((item) => {
      const uid = item['0020000E'].Value[0];
      if (uid === undefined) throw new Error('list index out of range');
      return uid;
    });
  } catch (error) {
    throw new DicomWebError(`Invalid DICOM JSON: ${(error as Error).name}: ${(error as Error).message}`);
  }
}

/** urllib's URLError, as str() shows it: what the server's 500 reports when the proxy cannot connect. */
class URLError extends Error {
  override name = 'URLError';
}

/**
 * /proxy/dicom/{qido,wado,stow}/<path>: forwarded to the DICOMweb root with the lab's credentials;
 * the answer (an error status too) comes back as bytes.
 */
export async function proxy(studies: string, method: 'GET' | 'POST', path: string, query: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
  const url = `${studies.replace(/\/+$/, '')}/${path}${query ? `?${query}` : ''}`;
  try {
    const response = await fetch(url, {
      method,
      // urllib names a form body when none is named.
      headers: { ...credentials(), ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { body } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  } catch (error) {
    throw new URLError(`<urlopen error ${urlErrorReason(error)}>`);
  }
}

/** str(URLError.reason) for the failures fetch reports. */
function urlErrorReason(error: unknown): string {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  const known: Record<string, string> = {
    ECONNREFUSED: '[Errno 111] Connection refused',
    ECONNRESET: '[Errno 104] Connection reset by peer',
    EHOSTUNREACH: '[Errno 113] No route to host',
    ENOTFOUND: '[Errno -2] Name or service not known',
  };
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return known[cause?.code ?? ''] ?? cause?.message ?? (error as Error).message;
}
