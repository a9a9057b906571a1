/**
 * The REST v2 adapter against the v2 simulator over real HTTP: what it sends (every request must
 * pass the schema), how RunPod's answers and problems become the bot's pods and typed errors,
 * cloud fallback, country placement, and the balance that stays on GraphQL.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isBotError, type BotError } from '../../src/errors.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { Redactor } from '../../src/redact.js';
import type { DeploySpec, Placement } from '../../src/runpod/api.js';
import { createRunPodApi } from '../../src/runpod/factory.js';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { checkBody, findOperation } from '../../src/runpod/simulator/v2/openapi.js';
import { createPodBody } from '../../src/runpod/v2/bodies.js';
import { waitSeconds } from '../../src/runpod/v2/problems.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { eventually } from '../helpers/harness.js';

const KEY = 'sim0key0for0adapter000';
let sim: RunPodSimulator | undefined;
let errors: unknown[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  expect(errors).toEqual([]);
  errors = [];
});

const SPEC: DeploySpec = {
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
  env: { PUBLIC_KEY: 'ssh-ed25519 AAAA bot' },
  startSsh: true,
  supportPublicIp: true,
};

async function setUp(options: { placement?: Placement; clock?: Clock; simClock?: Clock; logText?: { value: string } } = {}) {
  errors = [];
  sim = await new RunPodSimulator({ apiKey: KEY, ...(options.simClock ? { clock: options.simClock } : {}), runtimeDelayMs: 40, v2RequestsPerMinute: 1_000_000, onError: (error) => errors.push(error) }).start();
  const stream = new PassThrough().on('data', (chunk: Buffer) => {
    if (options.logText) options.logText.value += chunk.toString();
  });
  const logger = options.logText ? createLogger({ level: 'debug', format: 'json', redactor: new Redactor([KEY]), stream }) : silentLogger();
  const runpod = createRunPodApi(
    { api: 'v2', apiKey: KEY, apiUrl: sim.v2Url, graphqlUrl: sim.url },
    { clock: options.clock ?? systemClock, logger, placement: options.placement ?? { cloudType: 'COMMUNITY', countryCode: 'US' }, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2000, logQuietMs: 200, balanceMaxAgeMs: 0 },
  );
  return { sim, runpod };
}

async function failure(promise: Promise<unknown>): Promise<BotError> {
  try {
    await promise;
  } catch (error) {
    if (isBotError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('what the v2 adapter sends', () => {
  it('sends only requests the schema accepts, through a whole pod life: deploy, read, stop, start, logs, prices, terminate', async () => {
    const { sim, runpod } = await setUp();
    const pod = await runpod.deploy(SPEC);
    await eventually(async () => (await runpod.getPod(pod.id))?.runtime);
    await runpod.snapshot();
    await runpod.stop(pod.id);
    await runpod.resume(pod.id, 1);
    await runpod.gpuTypes(['NVIDIA GeForce RTX 4090']);
    await runpod.logs(pod.id, 5);
    await runpod.terminate(pod.id);
    expect(await runpod.getPod(pod.id)).toBeNull();

    const v2Calls = sim.calls.filter((call) => call.api === 'v2');
    expect(v2Calls.map((call) => call.fields[0])).toEqual(expect.arrayContaining(['listGpuTypes', 'createPod', 'getPod', 'listPods', 'podAction', 'getPodLogs', 'deletePod']));
    // 400 (query) and 422 (body) are the simulator's verdicts on a request that breaks the schema.
    expect(v2Calls.filter((call) => call.status === 400 || call.status === 422)).toEqual([]);
    expect(sim.deployInputs).toEqual([createPodBody(SPEC, 'COMMUNITY', ['US-TX-3', 'US-CA-2'])]);
  });

  it('builds a create body the schema accepts, and the schema catches any extra or misspelled field', () => {
    const createPod = findOperation('POST', '/v2/pods')!.operation;
    const body = createPodBody(SPEC, 'COMMUNITY', ['US-TX-3']);
    expect(checkBody(createPod, body)).toEqual([]);
    expect(checkBody(createPod, { ...body, countryCode: 'US' })).toEqual(['body/countryCode: unknown field']);
    expect(checkBody(createPod, { ...body, startSSH: true })).toEqual(['body/startSSH: unknown field']);
    expect(checkBody(createPod, { ...body, env: [{ key: 'A', value: 'b' }] })).not.toEqual([]);
    expect(checkBody(createPod, { ...body, cloud: 'ALL' })).not.toEqual([]);
  });
});

describe('pods as the bot sees them', () => {
  it('maps PROVISIONING and STARTING to RUNNING without a runtime, then the public 8000 and 22 mappings', async () => {
    const { runpod } = await setUp();
    const deployed = await runpod.deploy(SPEC);
    expect(deployed).toMatchObject({ desiredStatus: 'RUNNING', observedStatus: 'PROVISIONING', runtime: null, gpuDisplayName: 'RTX 4090', costPerHr: 0.69, volumeInGb: 30, env: SPEC.env });
    const ready = await eventually(async () => {
      const pod = await runpod.getPod(deployed.id);
      return pod?.observedStatus === 'RUNNING' ? pod : undefined;
    });
    expect(ready.runtime!.ports.map((port) => [port.privatePort, port.isIpPublic, port.type, port.ip])).toEqual([
      [8000, true, 'tcp', '127.0.0.1'],
      [22, true, 'tcp', '127.0.0.1'],
    ]);
  });

  it('reports a failed container as ERROR, with RunPod’s log lines; GraphQL has no logs', async () => {
    const { sim, runpod } = await setUp();
    const broken = sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING', bootFailure: ['Error: failed to pull image "runpod/pytorch:nope"'] });
    const pod = await eventually(async () => {
      const read = await runpod.getPod(broken.id);
      return read?.desiredStatus === 'ERROR' ? read : undefined;
    });
    expect(pod).toMatchObject({ observedStatus: 'ERROR', actions: ['start', 'terminate'], runtime: null });
    expect(await runpod.logs(broken.id, 2)).toEqual(['Error: failed to pull image "runpod/pytorch:nope"', '[RunPod] container exited with an error']);
    const graphql = createRunPodApi({ api: 'graphql', apiKey: KEY, apiUrl: sim.url, graphqlUrl: sim.url }, { clock: systemClock, logger: silentLogger(), placement: { cloudType: 'COMMUNITY', countryCode: 'US' } });
    expect(await graphql.logs(broken.id, 2)).toBeNull();
  });

  it('reads a 409 back as the pod’s real status: a start on a starting pod, a stop on a stopped one', async () => {
    const { sim, runpod } = await setUp();
    const pod = await runpod.deploy(SPEC);
    expect(await runpod.resume(pod.id, 1)).toMatchObject({ id: pod.id, desiredStatus: 'RUNNING' });
    await runpod.stop(pod.id);
    expect(await runpod.stop(pod.id)).toMatchObject({ desiredStatus: 'EXITED' });
    expect(sim.calls.filter((call) => call.status === 409)).toHaveLength(2);
  });
});

describe('RunPod’s problems as the bot’s errors', () => {
  it('maps 401, 403, 404, 400 refusals and 5xx to typed errors; edge HTML pages stay transient', async () => {
    const { sim, runpod } = await setUp();
    const pod = await runpod.deploy(SPEC);
    sim.inject({ kind: 'problem', status: 403, detail: 'API key lacks pods:write' }, { operation: 'stop', times: 1 });
    expect(await failure(runpod.stop(pod.id))).toMatchObject({ code: 'RUNPOD_PERMISSION', message: 'RunPod refused the key: API key lacks pods:write' });
    sim.inject({ kind: 'html', status: 403 }, { operation: 'getPod', times: 4 });
    expect(await failure(runpod.getPod(pod.id))).toMatchObject({ code: 'RUNPOD_TRANSIENT', message: 'RunPod answered HTTP 403.' });
    sim.inject({ kind: 'status', status: 503 }, { operation: 'getPod', times: 2 });
    expect((await runpod.getPod(pod.id))?.id).toBe(pod.id);
    expect(sim.calls.filter((call) => call.fields.includes('getPod')).map((call) => call.status).slice(-3)).toEqual([503, 503, 200]);
    sim.setHostFull(pod.id, true);
    await runpod.stop(pod.id);
    expect(await failure(runpod.resume(pod.id, 1))).toMatchObject({ code: 'RUNPOD_HOST_FULL' });
    sim.stock.set('NVIDIA GeForce RTX 3090', 0);
    expect(await failure(runpod.deploy({ ...SPEC, gpuTypeId: 'NVIDIA GeForce RTX 3090' }))).toMatchObject({ code: 'RUNPOD_NO_CAPACITY' });
    sim.apiKey = 'another';
    expect(await failure(runpod.snapshot())).toMatchObject({ code: 'RUNPOD_AUTH' });
  });

  it('reports a 422 in one line as the bot’s own bug, and logs RunPod’s field errors in full', async () => {
    const log = { value: '' };
    const { sim, runpod } = await setUp({ logText: log });
    await runpod.gpuTypes([]);
    sim.inject({ kind: 'problem', status: 422, detail: 'request body failed validation', errors: ['body/gpuTypeId: unknown field', 'body/cloud: must be one of SECURE, COMMUNITY'] }, { operation: 'deploy' });

    const error = await failure(runpod.deploy(SPEC));

    expect(error.code).toBe('RUNPOD_INVALID_REQUEST');
    expect(error.message).toBe('RunPod rejected the bot’s deploy request as malformed (HTTP 422, 2 field errors).');
    expect(error.message).not.toContain('\n');
    expect(error.action).toContain('bug in monai-pod-bot');
    expect(log.value).toContain('body/gpuTypeId: unknown field');
    expect(log.value).toContain('body/cloud: must be one of SECURE, COMMUNITY');
    expect(log.value).not.toContain(KEY);
  });

  it('waits out a 429 for as long as RunPod says, from Retry-After or the RateLimit window', async () => {
    const now = Date.now();
    expect(waitSeconds(new Headers({ 'retry-after': '7' }), now)).toBe(7);
    expect(waitSeconds(new Headers({ ratelimit: '"minute";r=0;t=12, "hour";r=100;t=3000' }), now)).toBe(12);
    expect(waitSeconds(new Headers({ ratelimit: 'limit=60, remaining=0, reset=9' }), now)).toBe(9);
    expect(waitSeconds(new Headers({ ratelimit: '"minute";r=5;t=30' }), now)).toBeUndefined();

    // One virtual clock for RunPod's quota window and the adapter's waits.
    const clock = new FakeClock(Date.now());
    const { sim, runpod } = await setUp({ clock, simClock: clock });
    sim.v2RequestsPerMinute = 1;
    await runpod.snapshot();
    const before = clock.now();

    expect(await runpod.getPod('x')).toBeNull();

    expect(sim.calls.filter((call) => call.api === 'v2').map((call) => call.status)).toEqual([200, 429, 404]);
    // Waited until the window reset (about a minute), not the few milliseconds of a backoff.
    expect(clock.now() - before).toBeGreaterThanOrEqual(59_000);
  });
});

describe('placement', () => {
  it('CLOUD_TYPE=ALL tries Community Cloud, then Secure Cloud', async () => {
    const { sim, runpod } = await setUp({ placement: { cloudType: 'ALL', countryCode: 'US' } });
    sim.inject({ kind: 'problem', status: 400, detail: 'There are no longer any instances available with the requested specifications. Please refresh and try again.' }, { operation: 'deploy' });

    const pod = await runpod.deploy({ ...SPEC, cloudType: 'ALL' });

    expect(sim.calls.filter((call) => call.fields.includes('deploy')).map((call) => call.status)).toEqual([400, 201]);
    expect(sim.deployRequests.map((request) => request.cloudType)).toEqual(['SECURE']);
    expect(sim.pod(pod.id).cloudType).toBe('SECURE');
    expect(pod.costPerHr).toBe(0.79);
  });

  it('CLOUD_TYPE=ALL in a country with only Secure Cloud data centers deploys there; COMMUNITY alone says none is there', async () => {
    const { sim, runpod } = await setUp();
    const pod = await runpod.deploy({ ...SPEC, cloudType: 'ALL', countryCode: 'CA' });
    expect(sim.pod(pod.id).dataCenterId).toBe('CA-MTL-1');
    expect(await failure(runpod.deploy({ ...SPEC, countryCode: 'CA' }))).toMatchObject({
      code: 'RUNPOD_NO_CAPACITY',
      message: 'RunPod lists no Community Cloud data center in CA.',
    });
  });

  it('looks the country’s data centers up once a day', async () => {
    const clock = new FakeClock(Date.now());
    const { sim, runpod } = await setUp({ clock });
    const lookups = () => sim.calls.filter((call) => call.fields.includes('gpuTypes')).length;
    await runpod.deploy(SPEC);
    await runpod.deploy({ ...SPEC, name: 'second' });
    expect(lookups()).toBe(1);
    clock.advance(23 * 3_600_000);
    await runpod.deploy({ ...SPEC, name: 'third' });
    expect(lookups()).toBe(1);
    clock.advance(2 * 3_600_000);
    await runpod.deploy({ ...SPEC, name: 'fourth' });
    expect(lookups()).toBe(2);
    expect(sim.deployRequests.every((request) => request.dataCenterIds?.join() === 'US-TX-3,US-CA-2')).toBe(true);
  });

  it('says nothing was sent when the lookup fails, and uses yesterday’s data centers when it has them', async () => {
    const clock = new FakeClock(Date.now());
    const { sim, runpod } = await setUp({ clock });
    sim.inject({ kind: 'status', status: 503 }, { operation: 'gpuTypes', times: 4 });
    const error = await failure(runpod.deploy(SPEC));
    expect(error).toMatchObject({ code: 'RUNPOD_TRANSIENT', message: 'RunPod’s catalog did not say which Community Cloud data centers are in US, so nothing was deployed.' });
    // The start loop resends a deploy only after a wait RunPod asked for: one that was never sent qualifies.
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(sim.deployInputs).toHaveLength(0);

    await runpod.deploy(SPEC);
    clock.advance(25 * 3_600_000);
    sim.inject({ kind: 'status', status: 503 }, { operation: 'gpuTypes', times: 4 });
    await runpod.deploy({ ...SPEC, name: 'second' });
    expect(sim.deployInputs).toHaveLength(2);
  });

  it('prices and stock are those of the cloud and country the bot deploys to', async () => {
    const { sim, runpod } = await setUp({ placement: { cloudType: 'SECURE', countryCode: 'US' } });
    sim.stock.set('NVIDIA GeForce RTX 3090', 1);
    const gpus = await runpod.gpuTypes(['NVIDIA GeForce RTX 4090', 'NVIDIA GeForce RTX 3090']);
    expect(gpus).toEqual([
      { id: 'NVIDIA GeForce RTX 4090', displayName: 'RTX 4090', memoryInGb: 24, pricePerHr: 0.79, stockStatus: 'High', cloudType: 'SECURE', availability: 'HIGH' },
      { id: 'NVIDIA GeForce RTX 3090', displayName: 'RTX 3090', memoryInGb: 24, pricePerHr: 0.46, stockStatus: 'Low', cloudType: 'SECURE', availability: 'LOW' },
    ]);
    const graphql = createRunPodApi({ api: 'graphql', apiKey: KEY, apiUrl: sim.url, graphqlUrl: sim.url }, { clock: systemClock, logger: silentLogger(), placement: { cloudType: 'COMMUNITY', countryCode: 'DE' } });
    expect(await graphql.gpuTypes(['NVIDIA GeForce RTX 4090'])).toMatchObject([{ pricePerHr: 0.69, stockStatus: null, cloudType: 'COMMUNITY' }]);
  });
});

describe('the balance, which v2 does not have', () => {
  it('reads it over GraphQL with the same key, and gives null, not $0 and not an error, once GraphQL is gone', async () => {
    const { sim, runpod } = await setUp();
    await runpod.deploy(SPEC);
    const live = await runpod.snapshot();
    expect(live.account).toMatchObject({ balance: expect.any(Number), spendLimit: 80 });
    expect(live.account!.balance).toBeGreaterThan(0);

    sim.graphqlRetired = true;
    const after = await runpod.snapshot();
    expect(after.pods).toHaveLength(1);
    expect(after.account).toBeNull();
    // Gone for good: not asked again within the hour.
    const asked = sim.calls.filter((call) => call.api === 'graphql').length;
    await runpod.snapshot();
    expect(sim.calls.filter((call) => call.api === 'graphql').length).toBe(asked);
  });
});
