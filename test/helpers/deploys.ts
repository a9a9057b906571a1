import { expect } from 'vitest';
import type { RunPodApiName } from './harness.js';

/** Every deploy carries a mark of its own (src/pod/identity.ts). */
const NONCE = () => expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown as string;

/**
 * The deploy request each API must receive for the tutorial's settings (v2: closed body, placement
 * by data center). `nonce`: the deploy mark, or (by default) a matcher for any mark; `owner`: the
 * installation's mark (only pods carrying it, or adopted, get credentials and scripts).
 */
export function tutorialDeploy(api: RunPodApiName, publicKey: string, nonce: string = NONCE(), owner?: string): Record<string, unknown> {
  if (api === 'v2') {
    return {
      name: 'monai-label',
      image: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
      cloud: 'COMMUNITY',
      // Hosts whose driver runs the image's CUDA 12.4 torch build (from the image's tag).
      gpu: { id: 'NVIDIA GeForce RTX 4090', count: 1, minCudaVersion: '12.4' },
      disk: 10,
      mounts: { persistent: { size: 30, path: '/workspace' } },
      ports: ['8000/tcp', '22/tcp'],
      env: { PUBLIC_KEY: publicKey, MONAI_POD_BOT_DEPLOY: nonce, ...(owner ? { MONAI_POD_BOT_OWNER: owner } : {}) },
      startSsh: true,
      dataCenterIds: ['US-TX-3', 'US-CA-2'],
    };
  }
  return {
    name: 'monai-label',
    imageName: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
    gpuTypeId: 'NVIDIA GeForce RTX 4090',
    gpuCount: 1,
    cloudType: 'COMMUNITY',
    countryCode: 'US',
    containerDiskInGb: 10,
    volumeInGb: 30,
    volumeMountPath: '/workspace',
    ports: '8000/tcp,22/tcp',
    startSsh: true,
    supportPublicIp: true,
    minCudaVersion: '12.4',
    env: [
      { key: 'PUBLIC_KEY', value: publicKey },
      { key: 'MONAI_POD_BOT_DEPLOY', value: nonce },
      ...(owner ? [{ key: 'MONAI_POD_BOT_OWNER', value: owner }] : []),
    ],
  };
}
