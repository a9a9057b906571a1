import { MONAI_WATCH_USER } from '../../src/costs/guard.js';
import { stoppedAt } from '../../src/costs/math.js';
import { nextRun } from '../../src/jobs/scheduler.js';
import type { MessageRef } from '../../src/frontend/surface.js';
import type { Message } from '../../src/messages/blocks.js';
import { SIM_GPU_TYPES } from '../../src/runpod/simulator/catalog.js';
import type { FaultRule } from '../../src/runpod/simulator/simulator.js';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { seeded } from '../../test/helpers/faults.js';
import { addOwnPod, RecordingSurface, runCommand, startHarness, textOf, type Harness } from '../../test/helpers/harness.js';
import { TraceMonaiLabel } from './monai-standin.js';
import { ms, type Trace, type TraceEvent } from './trace.js';

/** Where the lab works, and where the bot posts its digest. */
const LAB = 'C0LAB';
const DIGEST = 'C0DIGEST';

/** The production polling and timeouts: virtual time makes them free, so the bench uses the real ones. */
const PRODUCTION_WAITS = { RUNPOD_POLL_SECONDS: '3', MONAI_POLL_SECONDS: '1', POD_READY_TIMEOUT_MINUTES: '15', MONAI_READY_TIMEOUT_MINUTES: '30' };

export interface Transition {
  at: number;
  status: 'RUNNING' | 'EXITED' | 'GONE';
  /** What the replay was doing when it changed: the sampler (auto-stop), a person's command, RunPod at $0. */
  cause: 'sampler' | 'command' | 'runpod';
}

export interface WarningRecord {
  at: number;
  outcome: 'activity' | 'stopped' | 'kept' | 'stop-failed' | 'open';
  notAnswering: boolean;
}

export interface ReplayRecord {
  trace: Trace;
  settings: { idleMinutes: number; warnMinutes: number; graceMinutes: number; sampleMinutes: number };
  costPerHr: number;
  transitions: Transition[];
  warnings: WarningRecord[];
  /** MONAI Label stopped answering on a running pod: a crash or a boot without it. */
  incidents: { kind: 'crash' | 'failed start'; at: number }[];
  /** The bot's own restarts of MONAI Label (asked for by the guard). */
  restarts: { at: number; ms: number; phase: string }[];
  digests: { at: number; runway: boolean }[];
  runway: { firstWarningAt: number | null; zeroAt: number | null; toppedUpAt: number | null; hitZero: boolean };
  /** What RunPod charged over the fortnight (the simulator's ledger), for a cross-check. */
  billed: number;
  /** Annotation events that found the pod stopped (the person had to start it again) or MONAI Label not answering. */
  interrupted: { at: number; by: string; why: 'pod stopped' | 'not answering' }[];
}

/** RecordingSurface that also notes the virtual time of every post. */
class TimedSurface extends RecordingSurface {
  readonly postedAt = new Map<string, number>();
  constructor(private readonly clock: FakeClock) {
    super();
  }

  override async post(channel: string, message: Message, options?: { threadTs?: string }): Promise<MessageRef> {
    const ref = await super.post(channel, message, options);
    this.postedAt.set(ref.ts, this.clock.now());
    return ref;
  }
}

/** Every idle warning the channel saw, and how its last edit says it ended. */
function warningsOn(surface: TimedSurface): WarningRecord[] {
  const warnings: WarningRecord[] = [];
  for (const post of surface.posts) {
    const first = textOf(post.versions[0]!);
    if (post.threadTs || !first.includes('looks idle')) continue;
    const last = textOf(post.versions.at(-1)!);
    const outcome = last.includes('✅ Activity') ? 'activity' : last.includes('⏹️ Stopped') ? 'stopped' : last.includes('✋ Kept') ? 'kept' : last.includes('⚠️ Tried to stop') ? 'stop-failed' : 'open';
    warnings.push({ at: surface.postedAt.get(post.ref.ts) ?? 0, outcome, notAnswering: first.includes('does not answer') });
  }
  return warnings;
}

/** The restarts the guard asked for when MONAI Label stopped answering, from the bot's own records. */
async function guardRestarts(harness: Harness): Promise<ReplayRecord['restarts']> {
  const restarts = (await harness.store.operations.recent(10_000)).filter((operation) => operation.kind === 'restart' && operation.view.requestedBy.includes(MONAI_WATCH_USER));
  return restarts
    .map((operation) => ({ at: operation.createdAt, ms: (operation.view.finishedAt ?? operation.createdAt) - operation.createdAt, phase: operation.view.phase }))
    .sort((a, b) => a.at - b.at);
}

function settingsFrom(harness: Harness): ReplayRecord['settings'] {
  const { costs } = harness.config;
  return { idleMinutes: costs.idleMs / 60_000, warnMinutes: costs.warnMs / 60_000, graceMinutes: costs.graceMs / 60_000, sampleMinutes: costs.sampleMs / 60_000 };
}

type Due = { at: number; order: number; run: () => Promise<void> };
const earlier = (a: Due, b: Due) => a.at - b.at || a.order - b.order;

/**
 * Replays `trace` through the bot: its real sampler (`guard.tick` at every SAMPLE_MINUTES mark),
 * its idle policy, its reconciler for every start, stop, keep and restart, the RunPod simulator
 * over HTTP and the trace's MONAI Label on loopback — all on one virtual clock. `env` overrides
 * the bot's settings (e.g. IDLE_MINUTES).
 */
export async function replay(trace: Trace, env: Record<string, string> = {}): Promise<ReplayRecord> {
  const start = ms(trace.start);
  const end = ms(trace.end);
  const clock = new FakeClock(start);
  const monai = new TraceMonaiLabel(clock);
  const gpuType = SIM_GPU_TYPES.find((gpu) => gpu.id === trace.pod.gpuTypeId) ?? SIM_GPU_TYPES[0]!;
  const harness = await startHarness({
    simulator: { clock, runtimeDelayMs: 1, services: monai, balance: trace.account.balance },
    bot: { clock },
    logLevel: 'info',
    env: { ...PRODUCTION_WAITS, POD_NAME: trace.pod.name, GPU_TYPES: gpuType.id, DIGEST_TZ: trace.timeZone, QUIET_HOURS: 'off', ...env },
  });
  const { sim, bot } = harness;
  const names = new Map(trace.people.map((someone) => [someone.id, someone.name]));
  const surface = new TimedSurface(clock);
  const record: ReplayRecord = {
    trace,
    settings: settingsFrom(harness),
    costPerHr: gpuType.communityPrice,
    transitions: [],
    warnings: [],
    incidents: [],
    restarts: [],
    digests: [],
    runway: { firstWarningAt: null, zeroAt: null, toppedUpAt: null, hitZero: false },
    billed: 0,
    interrupted: [],
  };
  try {
    await addOwnPod(harness, {
      name: trace.pod.name,
      gpuType,
      costPerHr: gpuType.communityPrice,
      volumeInGb: trace.pod.volumeGb,
      containerDiskInGb: trace.pod.containerDiskGb,
      createdAt: start - 30 * 86_400_000,
      lastStatusChange: `Exited by user: ${new Date(start - 3 * 86_400_000).toString()}`,
    });
    for (const pod of trace.stoppedPods) sim.addPod({ name: pod.name, volumeInGb: pod.volumeGb, lastStatusChange: `Exited by user: ${new Date(ms(pod.stoppedAt)).toString()}` });
    await bot.start(surface, undefined, { firstSampleInMs: 7 * 86_400_000 });

    const labPod = () => sim.podByName(trace.pod.name);
    let status: Transition['status'] = 'EXITED';
    const note = (cause: Transition['cause']) => {
      const pod = labPod();
      const now = pod?.desiredStatus ?? 'GONE';
      if (now === status) return;
      status = now;
      // When RunPod changed it (billing starts and ends there), not when the command that asked for it ended.
      const at = !pod ? clock.now() : now === 'RUNNING' ? pod.lastStartedAt : (stoppedAt(pod.lastStatusChange) ?? clock.now());
      record.transitions.push({ at, status: now, cause });
    };
    const command = async (by: string, text: string) => {
      await runCommand(harness, text, new RecordingSurface(), { user: by, channel: LAB });
      note('command');
    };
    const settle = async () => {
      // The guard's restart runs in the background and sleeps on this clock: let it finish, and its notice be posted.
      for (let active = bot.reconciler.active; active; active = bot.reconciler.active) await active.done;
      for (let index = 0; index < 3; index++) await new Promise((resolve) => setImmediate(resolve));
    };

    const apply = async (event: TraceEvent) => {
      const pod = labPod();
      switch (event.kind) {
        case 'start':
          if (event.serverNeverStarts && pod?.desiredStatus !== 'RUNNING') {
            monai.failNextStart();
            record.incidents.push({ kind: 'failed start', at: clock.now() });
          }
          return command(event.by, 'start');
        case 'stop':
          return command(event.by, 'stop');
        case 'keep':
          return command(event.by, `keep ${event.duration}`);
        case 'crash':
          if (pod?.desiredStatus === 'RUNNING' && monai.answering(pod.id)) {
            record.incidents.push({ kind: 'crash', at: clock.now() });
            await monai.crash(pod.id);
          }
          return;
        case 'runpod-down': {
          sim.inject({ kind: 'status', status: 502 }, { times: Number.MAX_SAFE_INTEGER });
          const rule = sim.faults.at(-1)!;
          enqueue({ at: ms(event.at) + event.minutes * 60_000, order: 0, run: async () => void removeRule(rule) });
          return;
        }
        case 'train':
        case 'next-sample':
        case 'infer':
        case 'save-label': {
          let live = labPod();
          if (live?.desiredStatus !== 'RUNNING') {
            // Someone sits down to work and finds the pod stopped: they start it again first.
            record.interrupted.push({ at: clock.now(), by: event.by, why: 'pod stopped' });
            await command(event.by, 'start');
            live = labPod();
          }
          if (!live || live.desiredStatus !== 'RUNNING' || !monai.answering(live.id)) {
            if (live?.desiredStatus === 'RUNNING') record.interrupted.push({ at: clock.now(), by: event.by, why: 'not answering' });
            return;
          }
          if (event.kind === 'train') monai.train(event.minutes);
          else monai.record(event.kind, names.get(event.by) ?? event.by);
          return;
        }
      }
    };
    const enqueue = (due: Due) => {
      const index = queue.findIndex((other) => earlier(due, other) < 0);
      queue.splice(index < 0 ? queue.length : index, 0, due);
    };
    const removeRule = (rule: FaultRule) => {
      const index = sim.faults.indexOf(rule);
      if (index >= 0) sim.faults.splice(index, 1);
    };

    const queue: Due[] = trace.events.map((event, index) => ({ at: ms(event.at), order: index, run: () => apply(event) }));
    const cron = harness.config.costs.digestCron;
    for (let slot = nextRun(cron, trace.timeZone, start); slot < end; slot = nextRun(cron, trace.timeZone, slot)) {
      queue.push({ at: slot, order: Number.MAX_SAFE_INTEGER, run: () => digest(slot) });
    }
    queue.sort(earlier);
    const digest = async (slot: number) => {
      const before = surface.posts.length;
      await bot.digests.post(surface, DIGEST, slot).catch(() => undefined);
      const posted = surface.posts.slice(before).find((post) => post.ref.channel === DIGEST && !post.threadTs);
      const runway = posted !== undefined && textOf(posted.versions[0]!).includes('🚨 The balance');
      record.digests.push({ at: slot, runway });
      const { topUp } = trace.account;
      if (runway && record.runway.firstWarningAt === null) {
        record.runway.firstWarningAt = slot;
        if (topUp) {
          enqueue({
            at: slot + topUp.hoursAfterWarning * 3_600_000,
            order: 0,
            run: async () => {
              sim.balance += topUp.amount;
              record.runway.toppedUpAt = clock.now();
            },
          });
        }
      }
    };

    const gpuNoise = seeded(trace.seed ?? 1);
    const spentAtStart = sim.lifetimeSpend;
    let previous = { at: start, spent: 0 };
    const sampleMs = harness.config.costs.sampleMs;
    for (let mark = start + sampleMs; mark <= end; mark += sampleMs) {
      for (;;) {
        if (!queue[0] || queue[0].at > mark) break;
        const due = queue.shift()!;
        clock.t = Math.max(clock.t, due.at);
        await due.run();
        await settle();
      }
      clock.t = Math.max(clock.t, mark);
      const pod = labPod();
      // Training fills the GPU; a Deepgrow click is a second of it, which a sample almost never sees.
      if (pod?.desiredStatus === 'RUNNING') sim.setGpuUtil(pod.id, monai.trainingNow() ? 88 + 11 * gpuNoise() : 4 * gpuNoise());
      await bot.guard.tick(DIGEST);
      await settle();
      note(sim.balance <= 0 ? 'runpod' : 'sampler');
      if (sim.balance <= 0) record.runway.hitZero = true;
      const spent = sim.lifetimeSpend - spentAtStart;
      if (record.runway.zeroAt === null && spent >= trace.account.balance) {
        // The moment the starting balance was used up, topped up or not (spend is linear between two samples).
        record.runway.zeroAt = previous.at + ((trace.account.balance - previous.spent) / Math.max(1e-9, spent - previous.spent)) * (clock.now() - previous.at);
      }
      previous = { at: clock.now(), spent };
    }
    record.billed = sim.lifetimeSpend - spentAtStart;
    record.warnings = warningsOn(surface);
    record.restarts = await guardRestarts(harness);
    return record;
  } finally {
    await harness.close();
  }
}
