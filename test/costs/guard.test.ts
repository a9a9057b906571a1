import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedServices } from '../../src/runpod/simulator/services.js';
import type { SimPod } from '../../src/runpod/simulator/pods.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { addOwnPod, eventually, RecordingSurface, runCommand, startHarness, textOf, type Harness } from '../helpers/harness.js';
import { startGateFor, type RunningGate } from '../helpers/gate.js';
import { startStandin, type Standin } from '../helpers/standin.js';

const MINUTE = 60_000;
let harness: Harness | undefined;
let standin: Standin | undefined;
let gate: RunningGate | undefined;
let dir: string | undefined;

afterEach(async () => {
  await gate?.close();
  gate = undefined;
  standin?.kill();
  await harness?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  [harness, standin, dir] = [undefined, undefined, undefined];
});

interface World {
  h: Harness;
  clock: FakeClock;
  pod: SimPod;
  surface: RecordingSurface;
  /** Advances virtual time to `minutes` after the pod started, sampling every 5 minutes. */
  until(minutes: number, each?: () => Promise<void>): Promise<void>;
  started: number;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  dir = mkdtempSync(join(tmpdir(), 'monai-guard-'));
  standin = await startStandin(dir);
  const clock = new FakeClock();
  // The pod's port 8000 is the gate's, with the stand-in behind it; the gate starts once the bot has its token.
  const publicTarget = { host: '127.0.0.1', port: 9 };
  const h = await startHarness({
    simulator: { clock, runtimeDelayMs: 1, services: fixedServices(new Map([[8000, publicTarget]])) },
    bot: { clock },
    env: {
      SAMPLE_MINUTES: '5',
      IDLE_MINUTES: '60',
      IDLE_GRACE_MINUTES: '15',
      WARN_MINUTES: '15',
      AUTOSTOP: 'stop',
      QUIET_HOURS: 'off',
      DIGEST_TZ: 'UTC',
      ...env,
    },
  });
  harness = h;
  gate = await startGateFor(h, standin.port);
  publicTarget.port = gate.port;
  const pod = await addOwnPod(h, { name: 'monai-label', desiredStatus: 'RUNNING' });
  await eventually(() => pod.runtime);
  const started = clock.now();
  let next = started + 5 * MINUTE;
  await h.store.pods.set({ podName: 'monai-label', podId: pod.id, startedBy: 'U0ALICE', startedAt: started, startedChannel: 'C0LAB', startedByName: 'alice' });
  const surface = new RecordingSurface();
  // The bot speaks through this surface; the test drives the sampler itself.
  await h.bot.start(surface, undefined, { firstSampleInMs: 7 * 24 * 3_600_000 });
  return {
    h,
    clock,
    pod,
    surface,
    started,
    async until(minutes, each) {
      // Samples at fixed five-minute marks: the bot's own waits on this clock move it a little too.
      while (next <= started + minutes * MINUTE) {
        clock.t = Math.max(clock.t, next);
        next += 5 * MINUTE;
        await each?.();
        await h.bot.guard.tick('C0DIGEST');
      }
    },
  };
}

const warnings = (surface: RecordingSurface) => surface.posts.filter((post) => !post.threadTs && textOf(post.versions[0]!).includes('looks idle'));

describe('the cost guard, on a fake clock', () => {
  it('warns, is kept, goes idle again and stops the pod, checking that it really stopped', async () => {
    const w = await world();

    await w.until(70);
    expect(warnings(w.surface)).toHaveLength(0);
    await w.until(75);
    const [warning] = warnings(w.surface);
    expect(warning?.ref.channel).toBe('C0LAB');
    const first = textOf(warning!.versions[0]!);
    expect(first).toContain('monai-label looks idle* — <@U0ALICE>');
    expect(first).toContain('1 h idle');
    expect(first).toContain('It costs $0.69/hr while it runs');
    expect(first).toContain('its 30 GB volume costs $6.00/month');
    expect(first).toContain('It will be stopped at *13:30* (in 15 min)');
    expect(first).toContain('[Keep 1 h] → type: /monai keep 1h');
    expect(first).toContain('[Stop now…] → type: /monai stop');

    const kept = await runCommand(w.h, 'keep 1h', w.surface);
    expect(kept.surface.ephemerals.at(-1) && textOf(kept.surface.ephemerals.at(-1)!.message)).toContain('Kept until 14:15 by <@U0ALICE>');
    expect(textOf(warning!.versions.at(-1)!)).toContain('✋ Kept until 14:15');
    expect(textOf(await w.h.bot.router.status())).toContain('✋ Kept until 14:15 by <@U0ALICE>: no idle stop before then.');

    await w.until(190);
    expect(warnings(w.surface)).toHaveLength(1);
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('RUNNING');
    await w.until(195);
    const second = warnings(w.surface)[1]!;
    expect(textOf(second.versions[0]!)).toContain('looks idle');
    await w.until(210);

    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('EXITED');
    const outcome = textOf(second.versions.at(-1)!);
    expect(outcome).toContain('⏹️ Stopped at 15:30 after 1 h 15 min idle');
    expect(outcome).toContain('the 30 GB volume is kept and costs $6.00/month while stopped');
    expect(w.surface.posts.some((post) => post.threadTs === second.ref.ts && textOf(post.versions[0]!).includes('Stopped at 15:30'))).toBe(true);

    // The automatic actions are in the audit trail.
    const audit = (await w.h.store.audit.recent(10)).filter((entry) => entry.kind === 'auto').map((entry) => `${entry.actor}: ${entry.text} → ${entry.outcome}`);
    expect(audit).toEqual(['auto-stop: auto-stop → succeeded', 'auto-stop: idle warning → idle 1 h', 'auto-stop: idle warning → idle 1 h']);

    // The digest shows nothing running any more, and the volume that still bills.
    const digest = textOf(await w.h.bot.digests.privateMessage());
    expect(digest).toContain('Running: 0 pods, $0.00/hr · Stopped: 1 pod, $6.00/month storage');
    expect(digest).toContain('*monai-label* — 30 GB volume · $6.00/month · stopped');
  }, 60_000);

  it('cancels a countdown when someone starts working, and says so', async () => {
    const w = await world();
    await w.until(75);
    expect(warnings(w.surface)).toHaveLength(1);

    await w.until(80, () => standin!.infer());
    await w.until(95);

    const warning = warnings(w.surface)[0]!;
    expect(textOf(warning.versions.at(-1)!)).toContain('✅ Activity at 13:20 (inference): not stopping.');
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('RUNNING');
  }, 60_000);

  it('someone who runs /monai start during the countdown keeps the pod: the warning says so', async () => {
    const w = await world();
    await w.until(75);
    expect(warnings(w.surface)).toHaveLength(1);
    // Bob wants the URL two minutes before the stop; MONAI Label already answers, so his start is over at once.
    w.clock.t = w.started + 78 * MINUTE;
    const started = await runCommand(w.h, 'start', new RecordingSurface(), { user: 'U0BOB' });
    expect(started.text).toContain('http://127.0.0.1');
    await w.until(120);

    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('RUNNING');
    expect(textOf(warnings(w.surface)[0]!.versions.at(-1)!)).toContain('(someone asked for it to run): not stopping.');
    expect(warnings(w.surface)).toHaveLength(1);
  }, 60_000);

  it('never stops an active annotator whose GPU looks idle', async () => {
    const w = await world();
    await w.until(300, () => standin!.infer());
    expect(warnings(w.surface)).toHaveLength(0);
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('RUNNING');
  }, 60_000);

  it('never stops a pod that is training, nor counts it as idle', async () => {
    const w = await world();
    await standin!.train(100_000);
    await w.until(300);
    expect(warnings(w.surface)).toHaveLength(0);
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('RUNNING');
    expect(textOf(await w.h.bot.router.status())).not.toContain('No activity');
    const digest = textOf(await w.h.bot.digests.privateMessage());
    expect(digest).toContain('*monai-label* — RTX 4090 · $0.69/hr · up 5.0 h in 24 h ≈ $3.45 · idle 0.0 h ≈ $0.00');
    expect(digest).not.toContain('running idle');
  }, 60_000);

  it('a MONAI Label that stops answering: told once, restarted once, then counted idle, warned and stopped', async () => {
    const w = await world({ SSH_CONNECT_TIMEOUT_SECONDS: '1' });
    await w.until(30);
    standin!.kill();
    await w.until(35);

    const told = () => w.surface.posts.filter((post) => textOf(post.versions[0]!).includes('does not answer (since'));
    expect(told()).toHaveLength(1);
    const notice = textOf(told()[0]!.versions[0]!);
    expect(notice).toContain('*monai-label* is running and billing $0.69/hr, but MONAI Label does not answer (since 12:35). Started by <@U0ALICE>.');
    expect(notice).toContain('The bot restarts MONAI Label once now.');
    // The one restart cannot reach the pod (no sshd here): that is said too.
    await eventually(() => w.surface.posts.some((post) => textOf(post.versions[0]!).includes('The restart did not bring MONAI Label')));
    await eventually(() => !w.h.bot.reconciler.busy);
    expect(w.h.sim.callsTo('resume')).toHaveLength(0);

    await w.until(60);
    const digest = textOf(await w.h.bot.digests.privateMessage());
    expect(digest).toContain('running but MONAI Label does not answer');
    expect(digest).not.toContain('idle 0.0 h');

    // Idle since the grace period ended (15 min), not answering since 12:35: warned at 13:15, stopped at 13:30.
    await w.until(120);
    expect(told()).toHaveLength(1);
    const [warning] = warnings(w.surface);
    expect(textOf(warning!.versions[0]!)).toContain('MONAI Label does not answer, so nobody can be using it');
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('EXITED');
    expect(textOf(warning!.versions.at(-1)!)).toContain('⏹️ Stopped at');
    const samples = await w.h.store.samples.pods(0);
    expect(samples.some((sample) => sample.monaiDown === true)).toBe(true);
  }, 60_000);

  it('reports a stop RunPod refuses, never claims it, and tries again', async () => {
    const w = await world();
    await w.until(75);
    w.h.sim.inject({ kind: 'error', message: 'Something went wrong. Please try again later or contact support.', code: 'INTERNAL_SERVER_ERROR' }, { operation: 'stop', times: 1000 });
    await w.until(90);

    const warning = warnings(w.surface)[0]!;
    const text = textOf(warning.versions.at(-1)!);
    expect(text).toContain('⚠️ Tried to stop it at 13:30, but RunPod did not confirm');
    expect(text).toContain('may still be running and billing $0.69/hr');
    expect(text).not.toContain('Stopped at');
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('RUNNING');
    const tries = w.h.sim.callsTo('stop').length;
    await w.until(95);
    expect(w.h.sim.callsTo('stop').length).toBeGreaterThan(tries);

    w.h.sim.faults.length = 0;
    await w.until(100);
    expect(w.h.sim.pod(w.pod.id).desiredStatus).toBe('EXITED');
  }, 60_000);

  it('stays quiet with AUTOSTOP=off, but status and the digest still show the idle time and what it costs', async () => {
    const off = await world({ AUTOSTOP: 'off' });
    await off.until(240);
    expect(warnings(off.surface)).toHaveLength(0);
    expect(off.h.sim.pod(off.pod.id).desiredStatus).toBe('RUNNING');
    expect(textOf(await off.h.bot.router.status())).toContain('💤 No activity for 3 h 45 min.');
    const digest = textOf(await off.h.bot.digests.privateMessage());
    expect(digest).toContain('⚠️ *monai-label* is running idle: 3.8 h (≈ $2.76 in 24 h at $0.69/hr). `/monai stop` if nobody needs it.');
    expect(digest).toContain('up 4.0 h in 24 h ≈ $2.76 · idle 4.0 h ≈ $2.76');
  }, 60_000);

  it('only warns when AUTOSTOP=warn', async () => {
    const warnOnly = await world({ AUTOSTOP: 'warn' });
    await warnOnly.until(240);
    expect(warnings(warnOnly.surface)).toHaveLength(1);
    expect(textOf(warnings(warnOnly.surface)[0]!.versions[0]!)).toContain('Nothing is stopped automatically here (AUTOSTOP=warn)');
    expect(warnOnly.h.sim.pod(warnOnly.pod.id).desiredStatus).toBe('RUNNING');
  }, 60_000);

  it('mentions nobody in quiet hours', async () => {
    const w = await world({ QUIET_HOURS: '12:00-23:00' });
    await w.until(75);
    const text = textOf(warnings(w.surface)[0]!.versions[0]!);
    expect(text).toContain('looks idle* — alice');
    expect(text).not.toContain('<@');
  }, 60_000);
});
