import { afterEach, describe, expect, it } from 'vitest';
import { SIM_GPU_TYPES } from '../../src/runpod/simulator/catalog.js';
import { eventually, startHarness, want, type Harness } from '../helpers/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.close();
});

async function start(h: Harness, options: { newPod?: boolean } = {}) {
  const { request } = await want(h, { kind: 'start', models: ['deepgrow_2d', 'deepgrow_3d'], newPod: options.newPod ?? false });
  return request.done;
}

function gpu(id: string) {
  return SIM_GPU_TYPES.find((type) => type.id === id)!;
}

describe('starting the pod', () => {
  it('deploys from nothing with the tutorial’s settings and reports the public 8000 mapping', async () => {
    harness = await startHarness();
    const view = await start(harness);

    expect(view.phase).toBe('succeeded');
    expect(harness.sim.deployInputs).toEqual([
      {
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
        // Hosts whose driver runs the image's CUDA 12.4 torch build (from the image's tag).
        minCudaVersion: '12.4',
        env: [
          { key: 'PUBLIC_KEY', value: harness.sshKey.publicKey },
          { key: 'MONAI_POD_BOT_DEPLOY', value: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        ],
      },
    ]);
    const pod = harness.sim.podByName('monai-label')!;
    const publicApi = pod.runtime!.ports.find((port) => port.privatePort === 8000 && port.isIpPublic)!;
    expect(view.result?.apiUrl).toBe(`http://127.0.0.1:${publicApi.publicPort}`);
    expect(view.pod).toMatchObject({ id: pod.id, gpu: 'RTX 4090', costPerHr: 0.69, volumeGb: 30 });
    expect(view.conditions.map((condition) => [condition.type, condition.status])).toEqual([
      ['PodExists', 'True'],
      ['PodRunning', 'True'],
      ['PortsMapped', 'True'],
      ['MonaiReady', 'True'],
    ]);
  });

  it('resumes a stopped pod and gives the new port, not the stale one', async () => {
    harness = await startHarness();
    const first = await start(harness);
    const podId = harness.sim.podByName('monai-label')!.id;
    await harness.sim.stop(podId);

    const second = await start(harness);

    expect(harness.sim.callsTo('podResume')).toHaveLength(1);
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(second.pod?.id).toBe(podId);
    expect(second.result?.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(second.result?.apiUrl).not.toBe(first.result?.apiUrl);
  });

  it('reuses a pod that is already running with its ports mapped', async () => {
    harness = await startHarness();
    const existing = harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
    await eventually(() => existing.runtime);

    const view = await start(harness);

    expect(view.result?.reused).toBe(true);
    expect(harness.sim.deployInputs).toHaveLength(0);
    expect(harness.sim.callsTo('podResume')).toHaveLength(0);
  });

  it('tries the next GPU type when RunPod has no capacity for the first', async () => {
    harness = await startHarness();
    harness.sim.stock.set('NVIDIA GeForce RTX 4090', 0);

    const view = await start(harness);

    expect(view.phase).toBe('succeeded');
    expect(harness.sim.deployInputs.map((input) => input['gpuTypeId'])).toEqual(['NVIDIA GeForce RTX 4090', 'NVIDIA GeForce RTX 3090']);
    expect(view.pod?.gpu).toBe('RTX 3090');
  });

  it('says so when no configured GPU type is available', async () => {
    harness = await startHarness({ env: { GPU_TYPES: 'NVIDIA GeForce RTX 4090,NVIDIA RTX A5000' } });
    harness.sim.stock.set('NVIDIA GeForce RTX 4090', 0);
    harness.sim.stock.set('NVIDIA RTX A5000', 0);

    const view = await start(harness);

    expect(view.phase).toBe('failed');
    expect(view.error?.code).toBe('RUNPOD_NO_CAPACITY');
    expect(view.error?.message).toContain('NVIDIA GeForce RTX 4090, NVIDIA RTX A5000');
    expect(harness.sim.pods.size).toBe(0);
  });

  it('reports a host without a free GPU at resume and offers retry or a new pod', async () => {
    harness = await startHarness();
    const stopped = harness.sim.addPod({ name: 'monai-label', gpuType: gpu('NVIDIA GeForce RTX 4090') });
    harness.sim.setHostFull(stopped.id, true);

    const view = await start(harness);

    expect(view.phase).toBe('failed');
    expect(view.error?.code).toBe('RUNPOD_HOST_FULL');
    expect(harness.sim.pod(stopped.id).desiredStatus).toBe('EXITED');
    expect(harness.sim.deployInputs).toHaveLength(0);
  });

  it('deploys a second pod only when asked for a new pod, keeping the stranded one', async () => {
    harness = await startHarness();
    const stopped = harness.sim.addPod({ name: 'monai-label' });
    harness.sim.setHostFull(stopped.id, true);

    const view = await start(harness, { newPod: true });

    expect(view.phase).toBe('succeeded');
    expect(view.pod?.id).not.toBe(stopped.id);
    expect(harness.sim.pod(stopped.id).desiredStatus).toBe('EXITED');
    expect((await harness.store.pods.get('monai-label'))?.podId).toBe(view.pod?.id);
  });

  it('stops at once on a bad API key, without retrying', async () => {
    harness = await startHarness({ apiKey: 'not0the0right0key0000' });

    const view = await start(harness);

    expect(view.error?.code).toBe('RUNPOD_AUTH');
    expect(view.error?.action).toContain('RUNPOD_API_KEY');
    expect(harness.sim.calls).toHaveLength(1);
  });

  it('retries transient RunPod failures: 5xx, HTML pages, 429 with Retry-After, a reset', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'status', status: 502 }, { operation: 'myself' });
    harness.sim.inject({ kind: 'html', status: 520 }, { operation: 'myself' });
    harness.sim.inject({ kind: 'status', status: 429, retryAfterSeconds: 1 }, { operation: 'myself' });

    const began = Date.now();
    const view = await start(harness);

    expect(view.phase).toBe('succeeded');
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    expect(harness.sim.calls.slice(0, 4).map((call) => call.status)).toEqual([502, 520, 429, 200]);
    expect(harness.logs()).toContain('RunPod call failed, retrying');
  });

  it('waits for a runtime that appears late and shows that it is waiting', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 600 } });
    const reasons = new Set<string>();
    const { request: op } = await want(harness, 'start');
    op.subscribe((view) => view.conditions.forEach((condition) => reasons.add(condition.reason)));

    const view = await op.done;

    expect(view.phase).toBe('succeeded');
    expect(reasons).toContain('ContainerStarting');
  });

  it('does not take a stopped pod’s stale runtime for readiness', async () => {
    harness = await startHarness();
    const stopped = harness.sim.addPod({
      name: 'monai-label',
      runtime: {
        startedAt: Date.now() - 60_000,
        frozenAt: Date.now() - 30_000,
        ports: [
          { ip: '127.0.0.1', isIpPublic: true, privatePort: 8000, publicPort: 40001, type: 'tcp' },
          { ip: '127.0.0.1', isIpPublic: true, privatePort: 22, publicPort: 40002, type: 'tcp' },
        ],
      },
    });

    const status = await harness.bot.router.status();
    const view = await start(harness);

    expect(status.text).toContain('is stopped');
    expect(status.text).not.toContain('40001');
    expect(harness.sim.callsTo('podResume')).toHaveLength(1);
    expect(view.pod?.id).toBe(stopped.id);
    expect(view.result?.apiUrl).not.toBe('http://127.0.0.1:40001');
  });

  it('fails with the billing warning when the ports never appear', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 60_000 }, env: { POD_READY_TIMEOUT_MINUTES: '0.01' } });

    const view = await start(harness);

    expect(view.error?.code).toBe('POD_START_TIMEOUT');
    expect(view.error?.message).toContain('still running and billing $0.69/hr');
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
  });

  it('starts one pod for ten concurrent requests, and every requester sees it', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 200 } });
    const people = Array.from({ length: 10 }, (_, index) => `U0USER${index}`);

    const outcomes = await Promise.all(people.map((person) => want(harness, 'start', { user: person })));
    const views = await Promise.all(outcomes.map(({ request }) => request.done));

    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(new Set(outcomes.map(({ request }) => request.id)).size).toBe(1);
    expect(outcomes.filter(({ joined }) => joined)).toHaveLength(9);
    expect(views[0]?.requestedBy.sort()).toEqual([...people].sort());
    expect(views.every((view) => view.phase === 'succeeded')).toBe(true);
  });
});

describe('stopping the pod', () => {
  it('stops, confirms EXITED and says what the volume still costs', async () => {
    harness = await startHarness();
    await start(harness);

    const { request } = await want(harness, 'stop');
    const view = await request.done;

    expect(view.phase).toBe('succeeded');
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('EXITED');
    expect(view.result?.stoppedVolumesGb).toEqual([30]);
  });

  it('never claims a stop RunPod refused: retries, then reports that it may still bill', async () => {
    harness = await startHarness();
    await start(harness);
    harness.sim.inject({ kind: 'error', message: 'Something went wrong. Please try again later or contact support.', code: 'INTERNAL_SERVER_ERROR' }, { operation: 'podStop', times: 50 });

    const { request } = await want(harness, 'stop');
    const view = await request.done;

    expect(view.phase).toBe('failed');
    expect(view.error?.code).toBe('STOP_NOT_CONFIRMED');
    expect(view.error?.message).toContain('may still be running and billing $0.69/hr');
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
  });

  it('has nothing to do when there is no pod', async () => {
    harness = await startHarness();
    const { request } = await want(harness, 'stop');
    const view = await request.done;
    expect(view.phase).toBe('succeeded');
    expect(view.result?.note).toContain('nothing is billing');
  });

  it('never tells a stop that nothing bills while a deploy is still on its way', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'slow', ms: 500 }, { operation: 'podFindAndDeployOnDemand' });
    const { request: starting } = await want(harness, 'start');
    await eventually(() => harness.sim.callsTo('podFindAndDeployOnDemand').length === 1);
    const { request: stopping } = await want(harness, 'stop', { user: 'U0BOB' });
    const [startView, stopView] = await Promise.all([starting.done, stopping.done]);

    expect(startView.phase).toBe('cancelled');
    expect(stopView.result?.note).toBeUndefined();
    expect(stopView.result?.stoppedVolumesGb).toEqual([30]);
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('EXITED');
  });

  it('cancels a start in progress and leaves the pod stopped', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 2000 } });
    const { request: starting } = await want(harness, 'start');
    await eventually(() => harness.sim.podByName('monai-label'));

    const { request: stopping } = await want(harness, 'stop', { user: 'U0BOB' });
    const [startView, stopView] = await Promise.all([starting.done, stopping.done]);

    expect(startView.phase).toBe('cancelled');
    expect(startView.note).toContain('asked to stop');
    expect(stopView.phase).toBe('succeeded');
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('EXITED');
  });
});
