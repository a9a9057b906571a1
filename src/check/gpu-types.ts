import { GPU_TYPES_FIX } from '../config/fixes.js';
import type { Config } from '../config/load.js';
import type { GpuTypeInfo } from '../runpod/api.js';
import { didYouMeanGpu, GPU_CATALOG_SOURCE, KNOWN_GPU_TYPES, knownGpuType } from '../runpod/gpu-catalog.js';
import { createRunPodApi } from '../runpod/factory.js';
import { systemClock } from '../util/clock.js';
import type { CheckOptions } from './checks.js';
import type { CheckResult } from './report.js';

/** Below this, MONAI Label's 3D models run out of GPU memory (the reason GPU_TYPES says "each with ≥ 12 GB"). */
const MIN_GPU_MEMORY_GB = 12;

/**
 * Every id in GPU_TYPES against RunPod's GPU types: RunPod's own catalog when it answers (it lists
 * only the ids it has), else the list kept in the project. A typo would otherwise surface only at
 * the first /monai start, where RunPod answers it like a sold-out GPU.
 */
export async function checkGpuTypes(config: Config, options: CheckOptions): Promise<CheckResult> {
  const title = 'GPU types';
  const ids = config.pod.gpuTypes;
  let catalog: readonly GpuTypeInfo[] | null = null;
  if (config.runpod.apiKey) {
    const runpod = createRunPodApi(
      { ...config.runpod, apiKey: config.runpod.apiKey },
      { clock: systemClock, logger: options.logger, placement: config.pod, attempts: 1, timeoutMs: options.timeoutMs },
    );
    catalog = await runpod.gpuTypes(ids).catch(() => null);
  }
  const known = catalog ?? KNOWN_GPU_TYPES;
  // REST v2's catalog lists what the deploy's cloud and country offer: a real type missing there is not a typo.
  const elsewhere = catalog ? ids.filter((id) => !catalog.some((gpu) => gpu.id === id) && knownGpuType(id)) : [];
  const unknown = ids.filter((id) => !known.some((gpu) => gpu.id === id) && !(config.runpod.api === 'v2' && elsewhere.includes(id)));
  const source = catalog ? 'RunPod' : GPU_CATALOG_SOURCE;
  if (unknown.length > 0) {
    const named = unknown.map((id) => `“${id}”${didYouMeanGpu(id)}`).join('; ');
    // Without RunPod's answer, an id that resembles no known one may be a type RunPod added since.
    const typos = unknown.filter((id) => didYouMeanGpu(id) !== '');
    const status = catalog || typos.length > 0 ? 'fail' : 'warn';
    const detail = `GPU_TYPES: ${catalog ? 'RunPod has no GPU type' : `not in ${source}`} ${named}${catalog ? '' : ' (RunPod could not be asked)'}`;
    return { title, status, detail, fix: GPU_TYPES_FIX };
  }
  if (elsewhere.length > 0 && config.runpod.api === 'v2') {
    return {
      title,
      status: 'warn',
      detail: `GPU_TYPES: RunPod offers no ${elsewhere.map((id) => `“${id}”`).join(', ')} in ${config.pod.cloudType} cloud, ${config.pod.countryCode} right now`,
      fix: 'Deploys will try the other types in GPU_TYPES; add types RunPod offers there, or change CLOUD_TYPE or COUNTRY_CODE.',
    };
  }
  const small = ids.filter((id) => {
    const memory = known.find((gpu) => gpu.id === id)?.memoryInGb ?? knownGpuType(id)?.memoryInGb ?? null;
    return memory !== null && memory < MIN_GPU_MEMORY_GB;
  });
  if (small.length > 0) {
    return { title, status: 'warn', detail: `GPU_TYPES: ${small.map((id) => `“${id}”`).join(', ')} ha${small.length === 1 ? 's' : 've'} less than ${MIN_GPU_MEMORY_GB} GB`, fix: `MONAI Label’s 3D models need ${MIN_GPU_MEMORY_GB} GB or more: drop ${small.length === 1 ? 'it' : 'them'} from GPU_TYPES.` };
  }
  return { title, status: 'pass', detail: `${source} ${catalog ? 'knows' : 'lists'} all ${ids.length} (first choice: ${ids[0]})` };
}
