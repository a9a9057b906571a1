import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG, isBotError } from '../../src/errors.js';
import { matchTopic } from '../../src/knowledge/match.js';
import { silentLogger } from '../../src/log.js';
import { classifyRunPodMessage } from '../../src/runpod/errors.js';
import { closestGpuType, KNOWN_GPU_TYPES } from '../../src/runpod/gpu-catalog.js';
import { GraphQLRunPod } from '../../src/runpod/graphql-client.js';
import { SIM_GPU_TYPES } from '../../src/runpod/simulator/catalog.js';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { systemClock } from '../../src/util/clock.js';
import { VARIABLES } from '../../src/config/variables.js';

describe('the GPU types kept in the project', () => {
  it('suggests the id a typo or a display name meant', () => {
    expect(closestGpuType('NVIDIA GeForce RTX 4909')?.id).toBe('NVIDIA GeForce RTX 4090');
    expect(closestGpuType('RTX 4090')?.id).toBe('NVIDIA GeForce RTX 4090');
    expect(closestGpuType('NVIDIA RTX A5000 ')?.id).toBe('NVIDIA RTX A5000');
    expect(closestGpuType('H100')?.displayName).toMatch(/^H100/);
    expect(closestGpuType('NVIDIA Quadro P4000')).toBeUndefined();
    expect(closestGpuType('NVIDIA L5')).toBeUndefined();
  });

  it('holds every default GPU type and every type the simulator sells', () => {
    const ids = new Set(KNOWN_GPU_TYPES.map((gpu) => gpu.id));
    for (const id of (VARIABLES.GPU_TYPES.default ?? '').split(',')) expect(ids.has(id), id).toBe(true);
    for (const gpu of SIM_GPU_TYPES) expect(ids.has(gpu.id), gpu.id).toBe(true);
  });
});

describe('a deploy of a GPU type RunPod does not have', () => {
  const KEY = 'gpu0types0key0123456';
  let sim: RunPodSimulator;
  let runpod: GraphQLRunPod;
  beforeAll(async () => {
    sim = await new RunPodSimulator({ apiKey: KEY }).start();
    runpod = new GraphQLRunPod({ url: sim.url, apiKey: KEY, clock: systemClock, logger: silentLogger(), attempts: 1 });
  });
  afterAll(() => sim.close());

  const spec = (gpuTypeId: string) => ({
    name: 'monai-label',
    imageName: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
    gpuTypeId,
    gpuCount: 1,
    cloudType: 'COMMUNITY' as const,
    countryCode: 'US',
    containerDiskInGb: 10,
    volumeInGb: 30,
    volumeMountPath: '/workspace',
    ports: '8000/tcp,22/tcp',
    env: {},
    startSsh: true,
    supportPublicIp: true,
  });

  it('is a configuration error naming GPU_TYPES and the likely id, never “no capacity”', async () => {
    const error = await runpod.deploy(spec('NVIDIA GeForce RTX 4909')).catch((caught: unknown) => caught);

    expect(isBotError(error, 'RUNPOD_UNKNOWN_GPU_TYPE')).toBe(true);
    if (!isBotError(error)) throw error;
    expect(error.message).toBe('RunPod has no GPU type “NVIDIA GeForce RTX 4909” (from GPU_TYPES) — did you mean “NVIDIA GeForce RTX 4090” (RTX 4090)?');
    expect(error.retryable).toBe(false);
    expect(error.action).toContain('GPU_TYPES');
    expect(error.action).not.toMatch(/few minutes/);
    expect(sim.pods.size).toBe(0);
  });

  it('stays “no capacity” for a real type that is sold out', async () => {
    sim.stock.set('NVIDIA RTX A5000', 0);
    const error = await runpod.deploy(spec('NVIDIA RTX A5000')).catch((caught: unknown) => caught);
    expect(isBotError(error, 'RUNPOD_NO_CAPACITY')).toBe(true);
  });

  it('is recognised in RunPod’s words too, when it says so outright', () => {
    expect(classifyRunPodMessage('Invalid GPU type: NVIDIA GeForce RTX 4909').code).toBe('RUNPOD_UNKNOWN_GPU_TYPE');
    expect(classifyRunPodMessage('There are no longer any instances available with the requested specifications. Please refresh and try again.').code).toBe('RUNPOD_NO_CAPACITY');
  });

  it('has an entry in the error catalog and a troubleshooting topic', () => {
    expect(ERROR_CATALOG.RUNPOD_UNKNOWN_GPU_TYPE.retryable).toBe(false);
    expect(ERROR_CATALOG.RUNPOD_UNKNOWN_GPU_TYPE.action).toContain('/monai troubleshoot gpu-types');
    expect(matchTopic('gpu-types')?.topic.title).toContain('GPU_TYPES');
    expect(matchTopic('RunPod has no GPU type')?.topic.id).toBe('gpu-types');
  });
});
