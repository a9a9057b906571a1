import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/doctor/doctor.js';
import { doctorMessage } from '../../src/messages/doctor.js';
import { addOwnPod, eventually, runCommand, startHarness, textOf, type Harness } from '../helpers/harness.js';
import { startRealPod, type RealPod } from '../helpers/real-pod.js';

type Outcome = Record<string, string>;

/** Each check as "status: detail", so a test reads like the doctor's message. */
function outcome(results: readonly CheckResult[]): Outcome {
  return Object.fromEntries(results.map((result) => [result.id, `${result.status}${result.detail ? `: ${result.detail}` : ''}`]));
}

async function doctor(h: Harness): Promise<{ results: Outcome; text: string }> {
  const results = await h.bot.doctor(() => {});
  return { results: outcome(results), text: textOf(doctorMessage(results, true)) };
}

describe('doctor, before the pod is up', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('stops at a key RunPod no longer accepts, naming the fix', async () => {
    harness = await startHarness();
    harness.sim.apiKey = 'rotated0key0000000000';
    const { results, text } = await doctor(harness);
    expect(results['runpod']).toBe('fail: RunPod rejected the API key.');
    expect(results['pod']).toBe('skip');
    expect(text).toContain('Broken link: RunPod API key');
    expect(text).toContain('Fix:* Create a new key in RunPod → Settings → API Keys');
    expect(text).toContain('▫️ *Free space on the volume* — not checked');
  });

  it('says there is no pod, or that it is stopped, or still starting', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 600_000 } });
    expect((await doctor(harness)).results['pod']).toBe('fail: There is no pod named monai-label.');
    const pod = await addOwnPod(harness, { name: 'monai-label' });
    expect((await doctor(harness)).results['pod']).toBe(`fail: monai-label (${pod.id}) is stopped.`);
    harness.sim.resume(pod.id);
    expect((await doctor(harness)).results['pod']).toBe('fail: monai-label is RUNNING but RunPod has not started its container yet.');
  });

  it('finds a pod created without the ports the bot needs', async () => {
    harness = await startHarness();
    const pod = await addOwnPod(harness, { name: 'monai-label', desiredStatus: 'RUNNING', declaredPorts: '8888/http' });
    await eventually(() => pod.runtime);
    const { results } = await doctor(harness);
    expect(results['pod']).toMatch(/^pass/);
    expect(results['ports']).toBe('fail: RunPod lists no public TCP mapping for port 8000 and port 22.');
  });
});

describe('doctor on the loopback pod, each link broken in turn (and mended again)', () => {
  let pod: RealPod;
  beforeAll(async () => {
    pod = await startRealPod();
    await runCommand(pod.harness, 'start');
  }, 300_000);
  afterAll(async () => {
    await pod?.close();
  });

  it('passes every check on a working chain, in one message edited in place', async () => {
    const { results } = await doctor(pod.harness);
    expect(Object.values(results).map((value) => value.split(':')[0])).toEqual(Array(11).fill('pass'));
    expect(results['gate']).toMatch(/^pass: Without the secret, http:\/\/127\.0\.0\.1:\d+ answers a bare 404 to \/, \/info\/, \/openapi\.json and \/docs; the gate runs/);
    expect(results['info']).toMatch(/^pass: http:\/\/127\.0\.0\.1:\d+\/…\/info\/ answers/);
    expect(results['dicomweb']).toBe('pass: A QIDO-RS query from the pod answers (1 CT series on the first page).');
    expect(results['models']).toBe('pass: deepgrow_2d, deepgrow_3d loaded.');
    const { surface, text } = await runCommand(pod.harness, 'doctor');
    expect(surface.posts).toHaveLength(1);
    expect(surface.posts[0]!.versions.length).toBeGreaterThan(2);
    expect(textOf(surface.posts[0]!.versions[0]!)).toContain('Checking the chain, link by link');
    expect(text).toContain('Every link works');
  });

  it('sshd down', async () => {
    await pod.sshd.stop();
    try {
      const { results } = await doctor(pod.harness);
      expect(results['ssh']).toMatch(/^fail: The pod’s sshd did not accept connections/);
      expect(results['process']).toBe('skip');
    } finally {
      await pod.sshd.start();
    }
  }, 300_000);

  it('the DICOMweb server down', async () => {
    pod.orthanc.down = true;
    try {
      const { results, text } = await doctor(pod.harness);
      expect(results['info']).toMatch(/^fail: http:\/\/127\.0\.0\.1:\d+\/…\/info\/ fails \(HTTP 500/);
      expect(results['models']).toBe('skip: Needs /info/.');
      expect(results['dicomweb']).toBe('fail: The pod cannot query 127.0.0.1:' + new URL(pod.orthanc.url).port + ' (HTTP 503).');
      expect(results['disk']).toMatch(/^pass/);
      expect(text).not.toContain("0rth@nc p'ss");
    } finally {
      pod.orthanc.down = false;
    }
  }, 300_000);

  it('a requested model missing, then MONAI Label on the CPU', async () => {
    await pod.faults({ missingModels: ['deepgrow_3d'] });
    await runCommand(pod.harness, 'restart');
    expect((await doctor(pod.harness)).results['models']).toBe('fail: Missing: deepgrow_3d.');
    await pod.faults({ cpuOnly: true });
    await runCommand(pod.harness, 'restart');
    expect((await doctor(pod.harness)).results['gpu']).toBe('warn: MONAI Label runs on the CPU (slow): torch 2.4.0+cu124 (CUDA 12.4) cannot use NVIDIA GeForce RTX 4090 (driver CUDA 12.8).');
    await pod.faults({});
    await runCommand(pod.harness, 'restart');
  }, 300_000);

  it('a volume short of space', async () => {
    const results = await pod.harness.bot.doctor(() => {}, { minFreeGb: 1_000_000 });
    expect(outcome(results)['disk']).toMatch(/^fail: \d+\.\d GB free of \d+ GB on /);
  }, 300_000);

  it('MONAI Label’s process dead', async () => {
    process.kill(-pod.serverPid()!, 'SIGKILL');
    await eventually(async () => (await fetch(`http://127.0.0.1:${pod.internalPort}/`).catch(() => null)) === null);
    const { results, text } = await doctor(pod.harness);
    expect(results['process']).toBe('fail: MONAI Label is not running on the pod.');
    expect(text).toContain('`/monai restart` starts it');
    await runCommand(pod.harness, 'restart');
  }, 300_000);

  it('fails when the gate is down, and /monai restart brings it back', async () => {
    process.kill(pod.gatePid()!, 'SIGKILL');
    const { results, text } = await doctor(pod.harness);
    expect(results['process']).toMatch(/^pass/);
    expect(results['gate']).toBe('fail: The gate on port 8000 is not running: MONAI Label cannot be reached, not even with the secret URL.');
    expect(text).toContain('Broken link: Public port admits only the secret URL');
    await runCommand(pod.harness, 'restart');
    expect((await doctor(pod.harness)).results['gate']).toMatch(/^pass/);
  }, 90_000);

  it('fails when the port is bypassed: MONAI Label answering there without the secret', async () => {
    process.kill(pod.gatePid()!, 'SIGKILL');
    // Someone started MONAI Label on the public port by hand (the tutorial's way).
    const open = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"MONAILabel - Radiology (0.8.5)","models":{}}');
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${pod.monaiPort}/`).catch(() => null)) === null);
    await new Promise<void>((resolve) => open.listen(pod.monaiPort, '127.0.0.1', resolve));
    try {
      const { results } = await doctor(pod.harness);
      expect(results['gate']).toMatch(/^fail: http:\/\/127\.0\.0\.1:\d+\/ answers HTTP 200 without the secret URL: the gate is not running and something else holds the port, so anyone can reach MONAI Label/);
    } finally {
      open.closeAllConnections();
      await new Promise((resolve) => open.close(resolve));
    }
    await runCommand(pod.harness, 'restart');
    expect((await doctor(pod.harness)).results['gate']).toMatch(/^pass/);
  }, 90_000);

  // Last: RunPod's mapping stays broken for this pod.
  it('the public port not forwarded', async () => {
    const simPod = pod.harness.sim.podByName('monai-label')!;
    await pod.harness.sim.breakPort(simPod.id, 8000);
    const { results } = await doctor(pod.harness);
    expect(results['process']).toMatch(/^pass/);
    expect(results['gate']).toMatch(/^fail: The gate runs on the pod \(pid \d+\), but http:\/\/127\.0\.0\.1:\d+ does not answer from outside/);
    expect(results['info']).toMatch(/^fail: http:\/\/127\.0\.0\.1:\d+\/…\/info\/ does not answer from outside/);
    expect(results['dicomweb']).toMatch(/^pass/);
  }, 300_000);
});
