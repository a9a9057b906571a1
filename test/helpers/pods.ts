import type { Pod } from '../../src/runpod/api.js';

/** A pod as the RunPod adapter returns it, with plausible defaults. */
export function podFixture(fields: Partial<Pod> = {}): Pod {
  return {
    id: 'pod00000000001',
    name: 'monai-label',
    desiredStatus: 'RUNNING',
    lastStatusChange: null,
    gpuCount: 1,
    gpuDisplayName: 'RTX 4090',
    costPerHr: 0.69,
    volumeInGb: 30,
    networkVolumeId: null,
    env: {},
    runtime: null,
    ...fields,
  };
}
