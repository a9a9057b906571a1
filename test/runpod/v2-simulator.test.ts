/**
 * The REST v2 simulator over real HTTP, as any client would see it: closed bodies, wrapped lists,
 * observed status, the action table, rate limits, lost answers, logs, and one account shared with
 * the GraphQL side.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { tutorialDeploy } from '../helpers/deploys.js';
import { eventually } from '../helpers/harness.js';

const KEY = 'sim0key0for0v20tests000';
let sim: RunPodSimulator;
let errors: unknown[];

beforeEach(async () => {
  errors = [];
  sim = await new RunPodSimulator({ apiKey: KEY, runtimeDelayMs: 300, v2RequestsPerMinute: 1000, onError: (error) => errors.push(error) }).start();
});
afterEach(async () => {
  await sim.close();
  // Every answer the simulator sent matched the schema (it reports its own mismatches here).
  expect(errors).toEqual([]);
});

async function v2(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  const response = await fetch(`${sim.v2Url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const BODY: Record<string, unknown> = { ...tutorialDeploy('v2', 'ssh-ed25519 AAAA test', 'deploy-mark-1'), dataCenterIds: ['US-TX-3'] };

type V2Pod = { id: string; status: string; actions: string[]; runtime: { ports: { private: number; public: number | null }[] } | null };

describe('the REST v2 simulator', () => {
  it('creates a pod from the tutorial’s body (201) and lists pods wrapped in {"pods": […]}', async () => {
    const created = await v2('POST', '/pods', BODY);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'monai-label', status: 'PROVISIONING', cloud: 'COMMUNITY', dataCenterId: 'US-TX-3', runtime: null, cost: 0.69 });
    const listed = await v2('GET', '/pods');
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.body!)).toEqual(['pods']);
    expect((listed.body!['pods'] as V2Pod[]).map((pod) => pod.id)).toEqual([created.body!['id']]);
  });

  it('is closed: an unknown or misspelled field is a 422 naming it, and nothing is deployed', async () => {
    const extra = await v2('POST', '/pods', { ...BODY, supportPublicIp: true });
    const misspelled = await v2('POST', '/pods', { ...BODY, gpu: { id: 'NVIDIA GeForce RTX 4090', cnt: 1 }, mounts: { persistent: { size: 30, paht: '/workspace' } } });

    expect(extra.status).toBe(422);
    expect(extra.headers.get('content-type')).toBe('application/problem+json');
    expect(extra.body).toMatchObject({ title: 'Unprocessable Entity', status: 422, errors: ['body/supportPublicIp: unknown field'] });
    expect(misspelled.status).toBe(422);
    expect(misspelled.body!['errors']).toEqual(expect.arrayContaining(['body/gpu/cnt: unknown field', 'body/mounts/persistent/paht: unknown field']));
    expect(sim.pods.size).toBe(0);
    expect(sim.deployInputs).toHaveLength(0);
  });

  it('defaults a body without `cloud` to Secure Cloud, at its price', async () => {
    const { cloud: _cloud, ...withoutCloud } = BODY as { cloud: string };
    const created = await v2('POST', '/pods', { ...withoutCloud, dataCenterIds: ['US-TX-3', 'US-KS-2'] });
    expect(created.body).toMatchObject({ cloud: 'SECURE', cost: 0.79 });
  });

  it('places a pod without dataCenterIds wherever there is room, which may be abroad', async () => {
    const { dataCenterIds: _ids, ...anywhere } = BODY as { dataCenterIds: string[] };
    expect((await v2('POST', '/pods', anywhere)).body).toMatchObject({ dataCenterId: 'EU-RO-1' });
  });

  it('moves PROVISIONING → STARTING → RUNNING, runtime null until RUNNING, and maps a new public port after each start', async () => {
    const id = String((await v2('POST', '/pods', BODY)).body!['id']);
    const seen: string[] = [];
    const running = await eventually(async () => {
      const pod = (await v2('GET', `/pods/${id}`)).body as unknown as V2Pod;
      if (seen.at(-1) !== pod.status) seen.push(pod.status);
      if (pod.status !== 'RUNNING') expect(pod.runtime).toBeNull();
      return pod.status === 'RUNNING' ? pod : undefined;
    });
    expect(seen).toEqual(['PROVISIONING', 'STARTING', 'RUNNING']);
    const firstPort = running.runtime!.ports.find((port) => port.private === 8000)!.public;
    expect(firstPort).toBeGreaterThan(0);

    const stopped = await v2('POST', `/pods/${id}/action`, { action: 'stop' });
    expect(stopped.body).toMatchObject({ status: 'EXITED', runtime: null, actions: ['start', 'terminate'] });
    await v2('POST', `/pods/${id}/action`, { action: 'start' });
    const again = await eventually(async () => {
      const pod = (await v2('GET', `/pods/${id}`)).body as unknown as V2Pod;
      return pod.status === 'RUNNING' ? pod : undefined;
    });
    expect(again.runtime!.ports.find((port) => port.private === 8000)!.public).not.toBe(firstPort);
  });

  it('answers an action the status does not allow with 409, and carries out the allowed ones', async () => {
    const id = String((await v2('POST', '/pods', BODY)).body!['id']);
    const early = await v2('POST', `/pods/${id}/action`, { action: 'start' });
    expect(early.status).toBe(409);
    expect(early.body!['detail']).toContain('action not valid for current pod status');
    // PROVISIONING allows stop.
    expect((await v2('POST', `/pods/${id}/action`, { action: 'stop' })).body).toMatchObject({ status: 'EXITED' });
    expect((await v2('POST', `/pods/${id}/action`, { action: 'stop' })).status).toBe(409);
    expect((await v2('POST', `/pods/${id}/action`, { action: 'reset' })).status).toBe(422);
    expect((await v2('DELETE', `/pods/${id}`)).status).toBe(204);
    expect((await v2('GET', `/pods/${id}`)).status).toBe(404);
    expect((await v2('DELETE', `/pods/${id}`)).status).toBe(404);
  });

  it('reports a pod whose container fails as ERROR, allows start or terminate, and streams its logs', async () => {
    const pod = sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING', bootFailure: ['exec /start.sh: exec format error'] });
    const failed = await eventually(async () => {
      const view = (await v2('GET', `/pods/${pod.id}`)).body as unknown as V2Pod;
      return view.status === 'ERROR' ? view : undefined;
    });
    expect(failed.actions).toEqual(['start', 'terminate']);
    expect((await v2('POST', `/pods/${pod.id}/action`, { action: 'stop' })).status).toBe(409);

    const controller = new AbortController();
    const response = await fetch(`${sim.v2Url}/pods/${pod.id}/logs?tail=2`, { headers: { authorization: `Bearer ${KEY}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('container exited')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const events = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as { source: string; line: string });
    expect(events).toEqual([
      { source: 'container', line: 'exec /start.sh: exec format error', ts: expect.any(String) },
      { source: 'system', line: 'container exited with an error', ts: expect.any(String) },
    ]);
    expect((await v2('GET', `/pods/${pod.id}/logs?tail=9999`)).status).toBe(400);
  });

  it('places a pod only on a host whose driver meets gpu.minCudaVersion, reports that host’s CUDA, and refuses when none does', async () => {
    sim.hostCudaVersions = ['12.2', '12.8'];
    const gpu = (minCudaVersion: string) => ({ ...BODY, gpu: { id: 'NVIDIA GeForce RTX 4090', count: 1, minCudaVersion } });
    const placed = await v2('POST', '/pods', gpu('12.4'));
    expect(placed.status).toBe(201);
    expect(placed.body!['cudaVersion']).toBe('12.8');
    expect(sim.pod(placed.body!['id'] as string).hostCuda).toBe('12.8');
    const refused = await v2('POST', '/pods', gpu('13.0'));
    expect(refused.status).toBe(400);
    expect(refused.body!['detail']).toBe('There are no longer any instances available with the requested specifications. Please refresh and try again.');
    expect((await v2('POST', '/pods', gpu('12'))).status).toBe(422);
  });

  it('keeps a pod whose image needs a newer CUDA than the host’s driver STARTING, without a runtime, the refusal in its log', async () => {
    sim.hostCudaVersions = ['12.2'];
    // A client that does not send gpu.minCudaVersion.
    const created = await v2('POST', '/pods', { ...BODY, gpu: { id: 'NVIDIA GeForce RTX 4090', count: 1 } });
    const pod = sim.pod(created.body!['id'] as string);
    await eventually(() => pod.logs.some(({ line }) => line.includes('unsatisfied condition: cuda>=12.4')));
    expect(pod.bootTimer).toBeNull();
    expect((await v2('GET', `/pods/${pod.id}`)).body).toMatchObject({ status: 'STARTING', runtime: null, cudaVersion: '12.2' });
  });

  it('rate-limits with 429, Retry-After and the RateLimit headers, and says what is left on every answer', async () => {
    sim.v2RequestsPerMinute = 2;
    const first = await v2('GET', '/pods');
    expect(first.headers.get('ratelimit')).toMatch(/^"minute";r=1;t=\d+$/);
    expect(first.headers.get('ratelimit-policy')).toBe('"minute";q=2;w=60');
    await v2('GET', '/pods');
    const limited = await v2('GET', '/pods');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 429, detail: 'rate limit exceeded for the minute window' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit')).toMatch(/^"minute";r=0;t=\d+$/);
  });

  it('answers 524 after the work was done when the edge gives up waiting', async () => {
    sim.inject({ kind: 'lost', status: 524 }, { operation: 'deploy' });
    const lost = await fetch(`${sim.v2Url}/pods`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(BODY) });
    expect(lost.status).toBe(524);
    expect(await lost.text()).toContain('Error code 524');
    expect(sim.pods.size).toBe(1);
  });

  it('takes the key only as a Bearer header', async () => {
    expect((await v2('GET', `/pods?api_key=${KEY}`, undefined, {})).status).toBe(401);
    expect((await v2('GET', '/pods', undefined, { authorization: 'Bearer wrong' })).body).toMatchObject({ status: 401 });
  });

  it('scopes the catalog to a cloud and countries only with include=AVAILABILITY, and rejects unknown parameters', async () => {
    const scoped = await v2('GET', '/catalog/gpus?include=AVAILABILITY&product=POD&cloud=COMMUNITY&countryCodes=US&count=1');
    const gpu = (scoped.body!['gpus'] as { id: string; price: { community: number }; availability: string; dataCenters: { id: string }[] }[])[0]!;
    expect(gpu).toMatchObject({ id: 'NVIDIA GeForce RTX 4090', price: { community: 0.69 }, availability: 'HIGH' });
    expect(gpu.dataCenters.map((dc) => dc.id)).toEqual(['US-TX-3', 'US-CA-2']);
    expect((await v2('GET', '/catalog/gpus?cloud=COMMUNITY')).status).toBe(400);
    const misspelled = await v2('GET', '/catalog/gpus?include=AVAILABILITY&product=POD&gpuCount=1');
    expect(misspelled.body).toMatchObject({ status: 400, errors: ['query/gpuCount: unknown parameter'] });
  });

  it('shows the GraphQL side the same account: a pod created over v2 is in myself.pods, and the balance is there', async () => {
    await v2('POST', '/pods', BODY);
    const response = await fetch(sim.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ myself { clientBalance pods { name desiredStatus } } }' }),
    });
    const { data } = (await response.json()) as { data: { myself: { clientBalance: number; pods: unknown[] } } };
    expect(data.myself.pods).toEqual([{ name: 'monai-label', desiredStatus: 'RUNNING' }]);
    expect(data.myself.clientBalance).toBeGreaterThan(0);
    expect(sim.calls.map((call) => [call.api, call.fields])).toEqual([
      ['v2', ['createPod', 'deploy']],
      ['graphql', ['myself', 'listPods', 'balance']],
    ]);
  });
});
