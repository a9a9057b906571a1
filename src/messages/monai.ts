import type { OperationResult } from '../pod/operation.js';
import { LINKS } from '../knowledge/links.js';
import { deviceVerdict } from '../monai/gpu.js';
import { context, escapeSlack, section, type Block } from './blocks.js';


function studiesLine(studies: number | null | undefined): string {
  if (studies === null || studies === undefined) return 'the datastore did not report a count';
  if (studies === 0) return '*no CT series found* — Next Sample will have nothing to offer';
  return `${studies} CT series in the datastore`;
}

/** The part of the ready message people act on: the URL, what is served, and the 3D Slicer steps. */
export function readyBlocks(result: OperationResult): Block[] {
  if (!result.apiUrl || !result.models) return [];
  const facts = [
    `*Paste into 3D Slicer:* \`${result.apiUrl}\` — its port changes when the pod is resumed; its secret path stays until an admin runs \`/monai new-url\`.`,
    // Model names and the version come from MONAI Label: text, never mrkdwn.
    `*Models:* ${escapeSlack(result.models.join(', '))} · ${studiesLine(result.studies)}${result.monaiVersion ? ` · MONAI Label ${escapeSlack(result.monaiVersion)}` : ''}`,
  ];
  const gpu = result.gpu ?? deviceVerdict(result.device, null);
  if (gpu.onGpu) facts.push(`*Runs on the GPU:* ${escapeSlack(gpu.name)}`);
  else facts.push(`⚠️ MONAI Label runs on the *CPU*, so every click will be slow: ${escapeSlack(gpu.reason)}. \`/monai troubleshoot cpu\` explains the fix.`);
  const steps = [
    '*In 3D Slicer* (5.x, Stable)',
    `1. Install the *MONAILabel* extension once: View → Extensions Manager → search “MONAILabel” → Install, then press *Restart* in that dialog. (<${LINKS.extensionsManager}|Extensions Manager>)`,
    '2. Open the module: the module search (🔍) → “MONAILabel”.',
    `3. Paste the URL above, *with http://*, into “MONAI Label server” and click the refresh button next to it.`,
    '4. Active Learning → *Next Sample* loads a CT from Orthanc (the first one can take a minute).',
    '5. SmartEdit → pick a Deepgrow model, place Foreground/Background points, then *Submit Label*.',
  ];
  return [
    section(facts.join('\n')),
    section(steps.join('\n')),
    context(
      `<${LINKS.slicerDownload}|Get 3D Slicer> · <${LINKS.quickstart}|MONAI Label quickstart> · <${LINKS.slicerPlugin}|Slicer plugin> · ` +
        'The secret path in this URL is the only key to MONAI Label (and, through it, the lab’s studies): share it only here. Without it the pod answers nothing.',
    ),
  ];
}
