import type { Pod } from '../../src/runpod/api.js';

/** A pod as the RunPod adapter returns it, with plausible defaults. */
export function podFixture(fields: Partial<Pod> = {}): Pod {
  return {
    id: 'pod00000000001',
    name: 'monai-label',
    desiredStatus: 'RUNNING',
    lastStatusChange: null,
    imageName: 'runpod/pytorch',
    gpuCount: 1,
    gpuDisplayName: 'RTX 4090',
    costPerHr: 0.69,
    containerDiskInGb: 10,
    volumeInGb: 30,
    volumeMountPath: '/workspace',
    networkVolumeId: null,
    declaredPorts: '8000/tcp,22/tcp',
    env: {},
    uptimeSeconds: null,
    runtime: null,
    ...fields,
  };
}
