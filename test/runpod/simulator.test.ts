import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { eventually } from '../helpers/harness.js';

const KEY = 'sim0key0for0schema0tests';
let sim: RunPodSimulator;

beforeEach(async () => {
  sim = await new RunPodSimulator({ apiKey: KEY, runtimeDelayMs: 10 }).start();
});
afterEach(async () => {
  await sim.close();
});

async function gql(query: string, variables?: unknown, auth: 'header' | 'query' | 'none' = 'header') {
  const url = auth === 'query' ? `${sim.url}?api_key=${KEY}` : sim.url;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === 'header' ? { authorization: `Bearer ${KEY}` } : {}) },
    body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] } };
}

describe('the RunPod simulator', () => {
  it('rejects an unknown input field with HTTP 400 and graphql-js’s message', async () => {
    const { status, body } = await gql('mutation { podResume(input: { podId: "x", allowedCudaVersions: ["12.4"] }) { id } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toBe('Field "allowedCudaVersions" is not defined by type "PodResumeInput".');
  });

  it('rejects an unknown field inside a variable with HTTP 400', async () => {
    const { status, body } = await gql(
      'mutation D($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { id } }',
      { input: { name: 'x', objectMounts: 'y' } },
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toContain('Field "objectMounts" is not defined by type "PodFindAndDeployOnDemandInput"');
  });

  it('rejects a selection on podTerminate, whose type is Void', async () => {
    const { status, body } = await gql('mutation { podTerminate(input: { podId: "x" }) { id } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toBe('Field "podTerminate" must not have a selection since type "Void" has no subfields.');
  });

  it('rejects a quoted enum', async () => {
    const { status, body } = await gql('mutation { podFindAndDeployOnDemand(input: { cloudType: "SECURE" }) { id } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toContain('Enum "CloudTypeEnum" cannot represent non-enum value: "SECURE"');
  });

  it('accepts the key as a header or a query parameter, and answers myself: null without one', async () => {
    expect((await gql('{ myself { id } }', undefined, 'query')).body.data).toEqual({ myself: { id: 'sim-user' } });
    expect((await gql('{ myself { id } }', {}, 'header')).body.data).toEqual({ myself: { id: 'sim-user' } });
    expect((await gql('{ myself { id } }', undefined, 'none')).body.data).toEqual({ myself: null });
  });

  it('answers a never-valid key with HTTP 401', async () => {
    const response = await fetch(sim.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' },
      body: JSON.stringify({ query: '{ myself { id } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('supports aliases, inline inputs and env as K=V strings', async () => {
    const deployed = await gql(
      'mutation { podFindAndDeployOnDemand(input: { name: "p", gpuTypeId: "NVIDIA GeForce RTX 4090", cloudType: COMMUNITY, ports: "8000/tcp,22/tcp", env: [{ key: "A", value: "b=c" }], stopAfter: "2026-12-01T00:00:00Z" }) { id env desiredStatus runtime { ports { ip } } machine { podHostId } } }',
    );
    const pod = deployed.body.data?.['podFindAndDeployOnDemand'] as { id: string; env: string[]; desiredStatus: string; runtime: null; machine: { podHostId: string } };
    expect(pod).toMatchObject({ env: ['A=b=c'], desiredStatus: 'RUNNING', runtime: null });
    expect(pod.id).toMatch(/^[a-z0-9]{14}$/);
    expect(pod.machine.podHostId).toMatch(new RegExp(`^${pod.id}-[a-z0-9]{8}$`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const read = await gql(`{ pod(input: { podId: "${pod.id}" }) { runtime { ports { PortType: type privatePort isIpPublic ip } } } }`);
    const ports = (read.body.data?.['pod'] as { runtime: { ports: { PortType: string; ip: string }[] } }).runtime.ports;
    expect(ports.map((port) => port.PortType)).toEqual(['tcp', 'tcp', 'tcp', 'tcp']);
    expect(ports.every((port) => port.ip.startsWith('127.'))).toBe(true);
  });

  it('reports business refusals as 200 with errors and null data', async () => {
    sim.stock.set('NVIDIA GeForce RTX 4090', 0);
    const { status, body } = await gql('mutation { podFindAndDeployOnDemand(input: { gpuTypeId: "NVIDIA GeForce RTX 4090" }) { id } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ podFindAndDeployOnDemand: null });
    expect(body.errors?.[0]?.message).toBe(
      'There are no longer any instances available with the requested specifications. Please refresh and try again.',
    );
  });

  it('charges money over time and terminates pods without a network volume at $0', async () => {
    const clock = { t: 0, now: () => clock.t, sleep: async () => {} };
    const local = await new RunPodSimulator({ apiKey: KEY, clock, balance: 1 }).start();
    try {
      local.addPod({ name: 'idle', desiredStatus: 'RUNNING', costPerHr: 0.5 });
      clock.t = 3_600_000;
      local.accrue();
      expect(local.balance).toBeLessThan(0.5);
      clock.t = 3 * 3_600_000;
      local.accrue();
      expect(local.balance).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(local.pods.size).toBe(0);
    } finally {
      await local.close();
    }
  });
});

describe('the RunPod simulator: hosts and their drivers’ CUDA', () => {
  const deploy = (fields: string) =>
    gql(`mutation { podFindAndDeployOnDemand(input: { name: "m", imageName: "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04", gpuTypeId: "NVIDIA GeForce RTX 4090", gpuCount: 1, cloudType: COMMUNITY, ports: "8000/tcp,22/tcp"${fields} }) { id } }`);

  it('minCudaVersion and allowedCudaVersions skip hosts whose driver does not match; none left is a refusal', async () => {
    sim.hostCudaVersions = ['12.2', '12.4', '12.8'];
    const placed = await deploy(', minCudaVersion: "12.3"');
    expect(sim.pod((placed.body.data!['podFindAndDeployOnDemand'] as { id: string }).id).hostCuda).toBe('12.4');
    const listed = await deploy(', allowedCudaVersions: ["12.8"]');
    expect(sim.pod((listed.body.data!['podFindAndDeployOnDemand'] as { id: string }).id).hostCuda).toBe('12.8');
    const refused = await deploy(', minCudaVersion: "13.0"');
    expect(refused.body.errors?.[0]?.message).toBe('There are no longer any instances available with the requested specifications. Please refresh and try again.');
  });

  it('an image needing a newer CUDA than the host’s driver never gets a runtime, as on RunPod', async () => {
    sim.hostCudaVersions = ['12.2'];
    const { body } = await deploy('');
    const pod = sim.pod((body.data!['podFindAndDeployOnDemand'] as { id: string }).id);
    await eventually(() => pod.logs.some(({ line }) => line.includes('nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.4')));
    // The container start was refused, and nothing more is scheduled: RUNNING without a runtime, for good.
    expect(pod.bootTimer).toBeNull();
    expect(pod.desiredStatus).toBe('RUNNING');
    expect(pod.runtime).toBeNull();
  });
});
