import { afterEach, describe, expect, it } from 'vitest';
import { SIM_GPU_TYPES } from '../../src/runpod/simulator/catalog.js';
import { tutorialDeploy } from '../helpers/deploys.js';
import { addOwnPod, eventually, runCommand, RUNPOD_APIS, startHarness as startHarnessFor, want, type Harness, type HarnessOptions } from '../helpers/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.close();
});

describe.each(RUNPOD_APIS)('over RunPod’s %s API', (api) => {
const startHarness = (options: HarnessOptions = {}) => startHarnessFor({ api, ...options });

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
    expect(harness.sim.deployInputs).toEqual([tutorialDeploy(api, harness.sshKey.publicKey, undefined, await harness.bot.installation.installationId())]);
    const pod = harness.sim.podByName('monai-label')!;
    const publicApi = pod.runtime!.ports.find((port) => port.privatePort === 8000 && port.isIpPublic)!;
    const { token } = await harness.bot.gate();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(view.result?.apiUrl).toBe(`http://127.0.0.1:${publicApi.publicPort}/${token}/`);
    expect(view.pod).toMatchObject({ id: pod.id, gpu: 'RTX 4090', costPerHr: 0.69, volumeGb: 30 });
    expect(view.conditions.map((condition) => [condition.type, condition.status])).toEqual([
      ['PodExists', 'True'],
      ['PodRunning', 'True'],
      ['PortsMapped', 'True'],
      ['GateReady', 'True'],
      ['MonaiReady', 'True'],
    ]);
  });

  it('resumes a stopped pod and gives the new port, not the stale one', async () => {
    harness = await startHarness();
    const first = await start(harness);
    const podId = harness.sim.podByName('monai-label')!.id;
    await harness.sim.stop(podId);

    const second = await start(harness);

    expect(harness.sim.callsTo('resume')).toHaveLength(1);
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(second.pod?.id).toBe(podId);
    // A new port, the same secret path: a bookmark needs only the port changed.
    const { token } = await harness.bot.gate();
    expect(second.result?.apiUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${token}/$`));
    expect(second.result?.apiUrl).not.toBe(first.result?.apiUrl);
  });

  it('reuses a pod that is already running with its ports mapped', async () => {
    harness = await startHarness();
    const existing = await addOwnPod(harness, { name: 'monai-label', desiredStatus: 'RUNNING' });
    await eventually(() => existing.runtime);

    const view = await start(harness);

    expect(view.result?.reused).toBe(true);
    expect(harness.sim.deployInputs).toHaveLength(0);
    expect(harness.sim.callsTo('resume')).toHaveLength(0);
  });

  it('tries the next GPU type when RunPod has no capacity for the first', async () => {
    harness = await startHarness();
    harness.sim.stock.set('NVIDIA GeForce RTX 4090', 0);

    const view = await start(harness);

    expect(view.phase).toBe('succeeded');
    expect(harness.sim.deployRequests.map((input) => input.gpuTypeId)).toEqual(['NVIDIA GeForce RTX 4090', 'NVIDIA GeForce RTX 3090']);
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
    const stopped = await addOwnPod(harness, { name: 'monai-label', gpuType: gpu('NVIDIA GeForce RTX 4090') });
    harness.sim.setHostFull(stopped.id, true);

    const view = await start(harness);

    expect(view.phase).toBe('failed');
    expect(view.error?.code).toBe('RUNPOD_HOST_FULL');
    expect(harness.sim.pod(stopped.id).desiredStatus).toBe('EXITED');
    expect(harness.sim.deployInputs).toHaveLength(0);
  });

  it('deploys a second pod only when asked for a new pod, keeping the stranded one', async () => {
    harness = await startHarness();
    const stopped = await addOwnPod(harness, { name: 'monai-label' });
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
    harness.sim.inject({ kind: 'status', status: 502 }, { operation: 'listPods' });
    harness.sim.inject({ kind: 'html', status: 520 }, { operation: 'listPods' });
    harness.sim.inject({ kind: 'status', status: 429, retryAfterSeconds: 1 }, { operation: 'listPods' });

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
    const stopped = await addOwnPod(harness, {
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
    expect(harness.sim.callsTo('resume')).toHaveLength(1);
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
    harness.sim.inject({ kind: 'error', message: 'Something went wrong. Please try again later or contact support.', code: 'INTERNAL_SERVER_ERROR' }, { operation: 'stop', times: 50 });

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
    harness.sim.inject({ kind: 'slow', ms: 500 }, { operation: 'deploy' });
    const { request: starting } = await want(harness, 'start');
    await eventually(() => harness.sim.callsTo('deploy').length === 1);
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
});

describe('a pod RunPod reports in ERROR (REST v2)', () => {
  it('the start fails at once with RunPod’s own log and offers a retry or a terminate; status and stop say so', async () => {
    const harness2 = await startHarnessFor({ api: 'v2', env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    try {
      const pod = harness2.sim.addPod({ name: 'monai-label' });
      await harness2.store.pods.set({ podName: 'monai-label', podId: pod.id, startedBy: 'U0ALICE', startedAt: 0 });
      harness2.sim.setBootFailure(pod.id, ['docker: Error response from daemon: manifest unknown']);

      const started = await runCommand(harness2, 'start');
      expect(started.text).toContain(`RunPod reports pod ${pod.id} in ERROR: its container could not run.`);
      expect(started.text).toContain('manifest unknown');
      expect(started.text).toContain('[Try starting it again] → type: /monai start');
      expect(started.text).toContain(`[Terminate…] → type: /monai terminate pod=${pod.id}`);

      const status = await runCommand(harness2, 'status');
      expect(status.text).toContain('is in ERROR on RunPod');
      expect(status.text).toContain('manifest unknown');
      const stopped = await runCommand(harness2, 'stop');
      expect(stopped.text).toContain(`RunPod reports \`${pod.id}\` in ERROR (no container running)`);
    } finally {
      await harness2.close();
    }
  });
});
