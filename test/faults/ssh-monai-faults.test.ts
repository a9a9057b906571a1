/**
 * SSH and MONAI Label failing after the pod came up. Each failure must tell the user that the pod
 * is still running and billing, and a later `/monai stop` must really stop it.
 *
 * The broken-sshd cases need no real pod: the simulated pod's port 22 leads to a tiny TCP server.
 * The others share two real pods (sshd + venv on this machine); their steps run in order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, RecordingSurface, runCommand, startHarness, textOf, type Harness } from '../helpers/harness.js';
import { billingLine, INTERNAL_TEXT, servicesWithSsh, tcpFault, type TcpFault } from '../helpers/faults.js';
import { startRealPod, type RealPod } from '../helpers/real-pod.js';

async function unreachable(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

async function stopsForReal(harness: Harness): Promise<void> {
  const pod = harness.sim.podByName('monai-label')!;
  const stop = await runCommand(harness, 'stop');
  expect(stop.text).toContain('monai-label stopped');
  expect(stop.text).toContain('Compute billing has stopped.');
  expect(harness.sim.pod(pod.id).desiredStatus).toBe('EXITED');
  expect(harness.sim.callsTo('podStop')).toHaveLength(1);
}

describe('a broken sshd on the pod (SSH_CONNECT_TIMEOUT_SECONDS=3)', () => {
  let ssh: TcpFault | undefined;
  let harness: Harness | undefined;
  const open = async (kind: 'reset' | 'silent') => {
    ssh = await tcpFault(kind);
    harness = await startHarness({ simulator: { services: servicesWithSsh(ssh) }, env: { SSH_CONNECT_TIMEOUT_SECONDS: '3' } });
    return harness;
  };
  afterEach(async () => {
    await harness?.close();
    await ssh?.close();
    harness = undefined;
    ssh = undefined;
  });

  it('resets every connection: the start gives up with the SSH message and the billing line; stop stops the pod', async () => {
    const h = await open('reset');
    const { text } = await runCommand(h, 'start');

    expect(text).toContain('❌ *Could not start monai-label*');
    expect(text).toMatch(/The pod’s sshd did not accept connections on 127\.0\.0\.1:\d+ within 3s \(last error: Connection lost before handshake\)\./);
    expect(text).toContain('*What to do:* Wait a minute and run `/monai start` again; `/monai doctor` checks each link.');
    expect(text).toContain(billingLine());
    expect(text).toContain('[Stop the pod] → type: /monai stop');
    expect(text).not.toContain(INTERNAL_TEXT);
    expect(ssh!.accepted).toBeGreaterThan(1);
    expect(h.sim.deployInputs).toHaveLength(1);

    await stopsForReal(h);
  }, 300_000);

  it('accepts and never speaks: start and logs give up within the time they announce; the pod can be stopped', async () => {
    const h = await open('silent');
    const { text } = await runCommand(h, 'start');

    expect(text).toContain('❌ *Could not start monai-label*');
    expect(text).toMatch(/The pod’s sshd did not accept connections on 127\.0\.0\.1:\d+ within 3s \(last error: Timed out while waiting for handshake\)\./);
    expect(text).toContain(billingLine());
    expect(text).not.toContain(INTERNAL_TEXT);
    expect(h.sim.deployInputs).toHaveLength(1);
    const logs = await runCommand(h, 'logs 5');
    expect(logs.surface.posts).toHaveLength(0);
    expect(logs.text).toMatch(/❌ The pod’s sshd did not accept connections on 127\.0\.0\.1:\d+ within 3s \(last error: Timed out while waiting for handshake\)\./);
    expect(logs.text).not.toContain(INTERNAL_TEXT);

    await stopsForReal(h);
  }, 300_000);
});

describe('a real pod whose sshd starts late and whose MONAI Label dies after serving', () => {
  let pod: RealPod;
  let apiUrl = '';
  beforeAll(async () => {
    pod = await startRealPod({ sshdDelayMs: 2500 });
    await pod.faults({ dieAfterSeconds: 4 });
  });
  afterAll(async () => {
    await pod?.close();
  });

  it('SSH refused for the first attempts: the bot keeps trying and posts the URL; one pod deployed', async () => {
    const { text } = await runCommand(pod.harness, 'start');

    expect(text).toContain('🟢 *monai-label is ready*');
    const match = /http:\/\/127\.0\.0\.1:\d+/.exec(text);
    expect(match).not.toBeNull();
    apiUrl = match![0];
    expect(pod.harness.logs()).toContain('ssh connected after retries');
    expect(pod.harness.sim.deployInputs).toHaveLength(1);
    expect(pod.events().filter((event) => event.event === 'start_server')).toHaveLength(1);
  }, 300_000);

  it('MONAI Label dies after it served: /monai doctor and /monai logs show it; status still says it bills', async () => {
    await eventually(() => unreachable(pod.monaiPort), 15_000);

    const doctor = await runCommand(pod.harness, 'doctor');
    expect(doctor.text).toContain('🩺 *Broken link: MONAI Label process*');
    expect(doctor.text).toContain('MONAI Label is not running on the pod.');
    expect(doctor.text).toContain('`/monai restart` starts it; `/monai logs` shows why it stopped.');

    const logs = await runCommand(pod.harness, 'logs 10');
    expect(logs.surface.posts).toHaveLength(0);
    expect(logs.text).toContain('Last 10 lines of MONAI Label’s log');
    expect(logs.text).toContain('Killed');

    const status = await runCommand(pod.harness, 'status');
    expect(status.text).toContain('🟢 *monai-label* is running');
    expect(status.text).toContain('billing $0.69/hr');
    expect(pod.harness.sim.callsTo('podStop')).toHaveLength(0);
  }, 300_000);

  it('slow to start: /monai start brings MONAI Label back on the same pod, showing what it waits for', async () => {
    await pod.faults({ startupDelaySeconds: 3 });
    const surface = new RecordingSurface();

    const { text } = await runCommand(pod.harness, 'start', surface);

    expect(text).toContain('🟢 *monai-label is ready*');
    expect(text).toContain(apiUrl);
    const seen = surface.posts[0]!.versions.map((version) => textOf(version)).join('\n');
    expect(seen).toContain('Waiting for MONAI Label to answer');
    expect(pod.harness.sim.deployInputs).toHaveLength(1);
    expect(pod.harness.sim.callsTo('podResume')).toHaveLength(0);
    expect(pod.events().filter((event) => event.event === 'start_server')).toHaveLength(2);
  }, 300_000);

  it('host key changed before /monai restart: refused, the billing line; /monai stop really stops the pod', async () => {
    await pod.faults({});
    await pod.sshd.stop();
    await pod.sshd.newHostKey();
    await pod.sshd.start();

    const { text } = await runCommand(pod.harness, 'restart');

    expect(text).toContain('❌ *Could not restart MONAI Label on monai-label*');
    expect(text).toContain('presented the SSH host key SHA256:');
    expect(text).toContain('but the bot remembers SHA256:');
    expect(text).toContain('An admin can run `/monai forget-host-key` after checking.');
    expect(text).toContain(billingLine());
    expect(pod.events().filter((event) => event.event === 'start_server')).toHaveLength(2);

    await stopsForReal(pod.harness);
    await eventually(() => unreachable(pod.monaiPort), 10_000);
  }, 300_000);
});

describe('a real pod where MONAI Label takes longer than MONAI_READY_TIMEOUT_MINUTES', () => {
  let pod: RealPod;
  beforeAll(async () => {
    pod = await startRealPod({ env: { MONAI_READY_TIMEOUT_MINUTES: '0.5' } });
    // Installed beforehand, so the deadline is spent waiting on a server that never answers, however slow this machine is.
    await pod.preinstall();
    await pod.faults({ startupDelaySeconds: 600 });
  }, 300_000);
  afterAll(async () => {
    await pod?.close();
  });

  it('says it did not answer in time, that the pod still bills; /monai stop stops it and MONAI Label with it', async () => {
    const surface = new RecordingSurface();
    const { text } = await runCommand(pod.harness, 'start', surface);

    expect(text).toContain('❌ *Could not start monai-label*');
    expect(text).toMatch(/MONAI Label did not answer within \d+s \(MONAI_READY_TIMEOUT_MINUTES\)\./);
    expect(text).toMatch(/still running and billing \$0\.69\/hr/);
    expect(text).toContain('[Stop the pod] → type: /monai stop');
    expect(text).not.toContain(INTERNAL_TEXT);
    const seen = surface.posts[0]!.versions.map((version) => textOf(version)).join('\n');
    expect(seen).toContain('Waiting for MONAI Label to answer');
    expect(pod.harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
    const pid = pod.serverPid();
    expect(pid).not.toBeNull();

    await stopsForReal(pod.harness);
    // The server, still in its start-up, ends with the container.
    await eventually(() => {
      try {
        process.kill(pid!, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
  }, 300_000);
});
