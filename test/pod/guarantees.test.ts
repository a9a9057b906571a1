/**
 * The money-and-data guarantees of the reconciler, each through the real bot against the RunPod
 * simulator over HTTP, with RunPod's answers late, lost, or missing a pod from a listing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { addOwnPod, eventually, RecordingSurface, runCommand, RUNPOD_APIS, startHarness as startHarnessFor, textOf, want, type Harness, type HarnessOptions } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ADMIN = { ADMIN_USER_IDS: 'U0ADMIN' };

/** A pod of the lab's name that the bot started earlier and that is now stopped. */
async function stoppedPod(h: Harness) {
  const old = await addOwnPod(h, { name: 'monai-label', desiredStatus: 'EXITED' });
  await h.store.pods.set({ podName: 'monai-label', podId: old.id, startedBy: 'U0ALICE', startedAt: Date.now() - 86_400_000, startedChannel: 'C0LAB' });
  return old;
}

describe.each(RUNPOD_APIS)('over RunPod’s %s API', (api) => {
const startHarness = (options: HarnessOptions = {}) => startHarnessFor({ api, ...options });

describe('1. a deploy whose answer is lost', () => {
  it('start new-pod: the pod RunPod created anyway is found by its mark, never a second one; a stop then stops it', async () => {
    harness = await startHarness();
    const old = await stoppedPod(harness);
    // RunPod creates the pod, but its answer comes after the client gave up, and the next listings miss it.
    harness.sim.inject({ kind: 'slow', ms: 2400 }, { operation: 'deploy' });
    harness.sim.listingLag = 3;

    const started = await runCommand(harness, 'start new-pod confirmed', undefined, { origin: 'console' });

    expect(started.text).toContain('monai-label is ready');
    expect(started.text).not.toContain('nothing is billing');
    expect(harness.sim.callsTo('deploy')).toHaveLength(1);
    const fresh = [...harness.sim.pods.values()].find((pod) => pod.id !== old.id)!;
    expect((await harness.store.pods.get('monai-label'))?.podId).toBe(fresh.id);

    const stopped = await runCommand(harness, 'stop');
    expect(stopped.text).toContain('RunPod reports the pod as stopped');
    expect(harness.sim.pod(fresh.id).desiredStatus).toBe('EXITED');
    expect(harness.sim.pod(old.id).desiredStatus).toBe('EXITED');
  });

  it('a gateway error after RunPod did the work (524): one deploy, and the pod is found', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'lost', status: 524 }, { operation: 'deploy' });

    const started = await runCommand(harness, 'start');

    expect(started.text).toContain('monai-label is ready');
    expect(harness.sim.callsTo('deploy')).toHaveLength(1);
    expect(harness.sim.pods.size).toBe(1);
  });

  it('the pod shows up only after the bot stopped looking: nobody is told nothing bills; it is adopted and stopped when it appears', async () => {
    harness = await startHarness({ bot: { deployPendingMs: 1000 } });
    const old = await stoppedPod(harness);
    harness.sim.inject({ kind: 'lost', status: 502 }, { operation: 'deploy' });
    harness.sim.listingLag = 1_000_000;
    const surface = new RecordingSurface();
    await harness.bot.start(surface, 'C0LAB', { firstSampleInMs: 86_400_000 });

    const started = await runCommand(harness, 'start new-pod confirmed', surface, { origin: 'console' });
    expect(started.text).toContain('RunPod may still create it, and it would bill.');
    expect(started.text).not.toContain('nothing is billing');

    const status = await runCommand(harness, 'status');
    expect(status.text).toContain('RunPod never confirmed a deploy sent at');
    const stopped = await runCommand(harness, 'stop');
    expect(stopped.text).not.toContain('nothing is billing');
    expect(stopped.text).toContain('if that pod appears, the bot stops it and says so');
    expect(harness.sim.deployInputs).toHaveLength(1);

    // The listing catches up: the sampler adopts the pod and says so.
    const fresh = [...harness.sim.pods.values()].find((pod) => pod.id !== old.id)!;
    harness.sim.hideFromListing(fresh.id, 0);
    harness.bot.snapshots.invalidate();
    await harness.bot.guard.tick('C0LAB');
    expect((await harness.store.pods.get('monai-label'))?.podId).toBe(fresh.id);
    expect(surface.texts().some((text) => text.includes(`its pod has now appeared: \`${fresh.id}\`, running and billing $0.69/hr`))).toBe(true);
    const second = await runCommand(harness, 'stop');
    expect(second.text).toContain('RunPod reports the pod as stopped');
    expect(harness.sim.pod(fresh.id).desiredStatus).toBe('EXITED');
  });
});

describe('2. buttons are bound to the pod they were shown for', () => {
  it('a terminate prompt for one pod never deletes another that took its place', async () => {
    harness = await startHarness({ env: ADMIN });
    await runCommand(harness, 'start');
    const first = harness.sim.podByName('monai-label')!;
    const prompt = await runCommand(harness, 'terminate', undefined, { user: 'U0ADMIN' });
    const button = /type: \/monai (terminate pod=\w+ confirmed)/.exec(prompt.text)![1]!;
    expect(button).toBe(`terminate pod=${first.id} confirmed`);
    const newPod = /type: \/monai (start new-pod pod=\w+ confirmed)/.exec((await runCommand(harness, 'start new-pod', undefined, { user: 'U0ADMIN' })).text)![1]!;

    // Someone deploys a new pod in between, then the terminate button is pressed.
    await runCommand(harness, newPod, undefined, { user: 'U0ADMIN', origin: 'button' });
    const second = [...harness.sim.pods.values()].find((pod) => pod.id !== first.id)!;
    const pressed = await runCommand(harness, button, undefined, { user: 'U0ADMIN', origin: 'button' });

    expect(pressed.text).toContain(`The prompt was for pod \`${first.id}\`, but the bot’s pod is now \`${second.id}\``);
    expect(pressed.text).toContain('Nothing was terminated.');
    expect(harness.sim.pods.has(first.id)).toBe(true);
    expect(harness.sim.pod(second.id).desiredStatus).toBe('RUNNING');

    // The same "Deploy a new pod" button, pressed again: refused, it was for the old pod.
    const again = await runCommand(harness, newPod, undefined, { user: 'U0ADMIN', origin: 'button' });
    expect(again.text).toContain(`That button was for pod \`${first.id}\`, but the bot’s pod is now \`${second.id}\``);
    expect(harness.sim.deployInputs).toHaveLength(2);
  });

  it('a Stop button from an old message does not stop the pod that replaced it', async () => {
    harness = await startHarness({ env: ADMIN });
    await runCommand(harness, 'start');
    const first = harness.sim.podByName('monai-label')!;
    const stopButton = /type: \/monai (stop pod=\w+)/.exec((await runCommand(harness, 'status')).text)![1]!;
    await runCommand(harness, `start new-pod pod=${first.id} confirmed`, undefined, { user: 'U0ADMIN', origin: 'button' });

    const pressed = await runCommand(harness, stopButton, undefined, { origin: 'button' });

    expect(pressed.text).toContain(`That button was for pod \`${first.id}\``);
    expect([...harness.sim.pods.values()].filter((pod) => pod.desiredStatus === 'RUNNING')).toHaveLength(2);
  });
});

describe('3. a listing that misses the pinned pod', () => {
  it('stop still stops it, status still shows it, and start resumes it instead of deploying a second one', async () => {
    harness = await startHarness();
    await runCommand(harness, 'start');
    const pod = harness.sim.podByName('monai-label')!;
    harness.sim.hideFromListing(pod.id, 1_000);
    harness.bot.snapshots.invalidate();

    const status = await runCommand(harness, 'status');
    expect(status.text).toContain('monai-label* is running');
    const stopped = await runCommand(harness, 'stop');
    expect(stopped.text).toContain('RunPod reports the pod as stopped');
    expect(stopped.text).not.toContain('nothing is billing');
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('EXITED');

    const started = await runCommand(harness, 'start');
    expect(started.text).toContain('monai-label is ready');
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.sim.callsTo('resume')).toHaveLength(1);
  });

  it('a stop ends with every pod of the name stopped, and says which', async () => {
    harness = await startHarness();
    await runCommand(harness, 'start');
    const ours = harness.sim.podByName('monai-label')!;
    const other = harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
    harness.bot.snapshots.invalidate();

    const stopped = await runCommand(harness, 'stop');

    expect(stopped.text).toContain(`Also stopped: \`${other.id}\``);
    expect(harness.sim.pod(ours.id).desiredStatus).toBe('EXITED');
    expect(harness.sim.pod(other.id).desiredStatus).toBe('EXITED');
  });
});

describe('4. a listing already in flight when a deploy is sent', () => {
  it('is not taken for the truth after the deploy: one deploy, the new pod pinned and guarded', async () => {
    harness = await startHarness();
    const old = await stoppedPod(harness);
    harness.sim.inject({ kind: 'slow', ms: 800 }, { operation: 'listPods' });
    const sampling = harness.bot.guard.tick('C0LAB');
    await eventually(() => harness!.sim.callsTo('listPods').length === 1);

    const started = await runCommand(harness, 'start new-pod confirmed', undefined, { origin: 'console' });
    await sampling;

    expect(started.text).toContain('monai-label is ready');
    expect(harness.sim.deployInputs).toHaveLength(1);
    const fresh = [...harness.sim.pods.values()].find((pod) => pod.id !== old.id)!;
    expect((await harness.store.pods.get('monai-label'))?.podId).toBe(fresh.id);
    expect(harness.sim.pod(old.id).desiredStatus).toBe('EXITED');
    // The next pass of the sampler watches the new pod, not the old one.
    await harness.bot.guard.tick('C0LAB');
    expect(await harness.store.idle.get(fresh.id)).not.toBeNull();
    expect((await runCommand(harness, 'status')).text).toContain(`Pod \`${fresh.id}\``);
  });
});

describe('5. a request left unfinished long ago', () => {
  it('is reported as abandoned after a restart, never carried out', async () => {
    const clock = new FakeClock(Date.now());
    harness = await startHarness({ bot: { clock }, simulator: { runtimeDelayMs: 3_600_000 } });
    const old = await stoppedPod(harness);
    const surface = new RecordingSurface();
    const { request } = await want(harness, 'start');
    await eventually(() => harness!.sim.callsTo('resume').length === 1);
    // The bot goes down mid-start; days later, someone stops the pod by hand.
    await harness.bot.shutdown(0);
    expect(request.view.note).toContain('Paused');
    await harness.sim.stop(old.id);
    clock.advance(3 * 86_400_000);

    const restarted = createBot({ config: harness.config, logger: harness.logger, redactor: harness.redactor, runpod: harness.runpod, store: harness.store, sshKey: harness.sshKey, clock, progressIntervalMs: 5 });
    await restarted.start(surface, 'C0LAB', { firstSampleInMs: 86_400_000 });
    await restarted.close();

    expect(harness.sim.callsTo('resume')).toHaveLength(1);
    expect(harness.sim.pod(old.id).desiredStatus).toBe('EXITED');
    const told = surface.texts().join('\n');
    expect(told).toContain('was asked for 3 days ago, longer than it may take');
    expect(told).toContain('so it was not carried on');
    expect(told).toContain('`/monai status`');
  });
});

describe('7. a deadline during the install names the step', () => {
  // The MONAI half's timeouts are table-tested in decide.test.ts; the real install's is in test/monai/real-pod-faults.test.ts.
  it('a typed timeout per condition is in the error catalog with its next step', async () => {
    const { ERROR_CATALOG } = await import('../../src/errors.js');
    expect(ERROR_CATALOG.MONAI_INSTALL_TIMEOUT.action).toContain('carries on where it stopped');
    expect(ERROR_CATALOG.RUNPOD_DEPLOY_UNCONFIRMED.action).toContain('does not deploy again');
  });
});

describe('progress follows observations', () => {
  it('a stop of a pod that is already stopped says so, and a terminated pod is not shown as running', async () => {
    harness = await startHarness({ env: ADMIN });
    await runCommand(harness, 'start');
    await runCommand(harness, 'stop');
    const again = await runCommand(harness, 'stop');
    expect(again.text).toContain('It was already stopped; nothing had to change.');

    const pod = harness.sim.podByName('monai-label')!;
    const terminated = await runCommand(harness, `terminate pod=${pod.id} confirmed`, undefined, { user: 'U0ADMIN', origin: 'button' });
    expect(terminated.text).toContain('monai-label terminated');
    expect(terminated.text).toContain('· terminated ·');
    expect(terminated.text).not.toMatch(/· (running|exited) ·/);

    const none = await runCommand(harness, 'stop');
    expect(none.text).toContain('monai-label: nothing to stop');
    expect(textOf(none.surface.posts[0]!.versions.at(-1)!)).not.toContain('⏹️ *monai-label stopped*');
  });
});
});
