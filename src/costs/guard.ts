import type { Auditor } from '../audit/audit.js';
import type { CostSettings } from '../config/load.js';
import { isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MonaiApi } from '../monai/api.js';
import { podEndpoints, secretBase } from '../pod/endpoints.js';
import { podOfDeploy } from '../pod/identity.js';
import type { Installation } from '../pod/installation.js';
import { locatePod } from '../pod/locate.js';
import type { Pod, RunPodApi, Snapshot } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/format.js';
import { inWindow, nextLocalHour } from '../util/zone.js';
import { evaluateIdle, keep, newIdleState, type IdlePolicy, type IdleState, type MonaiSignal } from './idle-policy.js';
import { DAY, stoppedStoragePerMonth } from './math.js';
import type { GuardNotifier, PodControl } from './ports.js';
import type { PodSample } from './samples.js';

export interface CostGuardDeps {
  runpod: RunPodApi;
  snapshots: SnapshotCache;
  store: Store;
  monai: MonaiApi;
  control: PodControl;
  /** Which pod is the bot's, and the secret path its reads of MONAI Label go through. */
  installation: Installation;
  notifier: GuardNotifier;
  clock: Clock;
  logger: Logger;
  settings: CostSettings;
  podName: string;
  /** The models MONAI Label serves when nobody asked for others. */
  defaultModels: readonly string[];
  auditor: Auditor;
}

export const AUTO_STOP_USER = 'auto-stop';
/** Who asks for the one restart of a MONAI Label that does not answer. */
export const MONAI_WATCH_USER = 'monai-watch';

export type KeepOutcome = { kind: 'not-running' } | { kind: 'kept'; until: number; by: string };

function fingerprint(reading: { labelled: number | null; labelTags: Record<string, number>; lastEvent: string | null }): string {
  return JSON.stringify([reading.labelled, Object.entries(reading.labelTags).sort(), reading.lastEvent]);
}

function highestGpu(pod: Pod): number | null {
  return pod.runtime && pod.runtime.gpus.length > 0 ? Math.max(...pod.runtime.gpus.map((gpu) => gpu.utilPercent ?? 0)) : null;
}

/**
 * The cost guard's loop, one pass per SAMPLE_MINUTES: one RunPod read for every pod and the
 * account, MONAI Label's activity for the bot's pod, the samples stored, then the idle policy and
 * what it asks for. It acts only by saying what it wants of the pod (a stop, one restart).
 */
export class CostGuard {
  constructor(private readonly deps: CostGuardDeps) {}

  get policy(): IdlePolicy {
    const { settings } = this.deps;
    return { idleMs: settings.idleMs, gpuPercent: settings.idleGpuPercent, graceMs: settings.graceMs, warnMs: settings.warnMs, autostop: settings.autostop };
  }

  /** One pass; `fallbackChannel` takes warnings for a pod whose own channel is unknown. */
  async tick(fallbackChannel?: string): Promise<void> {
    const { clock, logger, store } = this.deps;
    const now = clock.now();
    let snapshot: Snapshot;
    try {
      snapshot = await this.deps.snapshots.fetch();
    } catch (error) {
      // Nothing readable: idle clocks stand still until RunPod answers again.
      logger.warn('sampler: RunPod could not be read; idle clocks paused', { reason: isBotError(error) ? error.message : String(error) });
      for (const state of await store.idle.all()) await store.idle.put({ ...state, idleSince: state.idleSince + (now - state.lastSampleAt), lastSampleAt: now, unknownSince: state.unknownSince ?? now });
      return;
    }
    await this.adoptLateDeploy(snapshot, fallbackChannel);
    const { pod: managed } = await locatePod({ runpod: this.deps.runpod, pods: store.pods, podName: this.deps.podName, installation: this.deps.installation }, snapshot);
    const pods = managed && !snapshot.pods.some((pod) => pod.id === managed.id) ? [...snapshot.pods, managed] : snapshot.pods;
    const samples: PodSample[] = [];
    for (const pod of pods) {
      const running = pod.desiredStatus === 'RUNNING';
      const sample: PodSample = {
        at: now,
        podId: pod.id,
        name: pod.name,
        status: pod.desiredStatus,
        gpuUtil: running ? highestGpu(pod) : null,
        costPerHr: pod.costPerHr,
        volumeGb: pod.volumeInGb,
        uptimeSeconds: running ? (pod.runtime?.uptimeSeconds ?? null) : null,
        idle: null,
        activity: null,
        monaiDown: null,
      };
      if (pod.id === managed?.id || running || (await store.idle.get(pod.id))) {
        const evaluation = await this.evaluate(fallbackChannel, pod, pod.id === managed?.id, sample, now);
        sample.idle = evaluation.idle;
        sample.activity = evaluation.activity;
        sample.monaiDown = evaluation.monaiDown;
      }
      samples.push(sample);
    }
    await store.samples.add(samples, snapshot.account ? { at: now, balance: snapshot.account.balance, spendPerHr: snapshot.account.spendPerHr } : null);
    await store.samples.prune(now - this.deps.settings.retentionDays * DAY);
  }

  /** MONAI Label's signal for the bot's pod: read, not answering, or answering but unreadable. */
  private async monaiSignal(pod: Pod, managed: boolean): Promise<MonaiSignal> {
    if (!managed || pod.desiredStatus !== 'RUNNING') return { kind: 'none' };
    const endpoints = podEndpoints(pod);
    if (!endpoints) return pod.runtime ? { kind: 'down', reason: 'RunPod has not mapped its ports' } : { kind: 'down', reason: 'its container never started' };
    // Through the gate, with the secret path: the bot's reads never use an open door.
    const base = secretBase(endpoints.api, await this.deps.installation.gateToken());
    const reading = await this.deps.monai.activity(base).catch(() => null);
    if (reading) return { kind: 'read', fingerprint: fingerprint(reading), training: reading.training, lastEvent: reading.lastEvent?.replace(/^\S+ \S+ /, '') ?? null };
    return (await this.deps.monai.alive(base).catch(() => false)) ? { kind: 'unreadable', reason: 'MONAI Label answers, but not about its activity' } : { kind: 'down', reason: 'MONAI Label does not answer' };
  }

  private async evaluate(fallbackChannel: string | undefined, pod: Pod, managed: boolean, sample: PodSample, now: number) {
    const previous = await this.deps.store.idle.get(pod.id);
    const monai = await this.monaiSignal(pod, managed);
    const uptime = sample.uptimeSeconds;
    const busy = managed && this.deps.control.busy;
    // A /monai start on a pod that already runs is over before the next sample: it still says someone wants it (never the bot's own restart).
    const wish = managed ? this.deps.control.runningWish : null;
    const asked = wish !== null && previous !== null && wish.at > previous.lastSampleAt && wish.by !== MONAI_WATCH_USER;
    const evaluation = evaluateIdle(
      pod.id,
      previous,
      { at: now, running: pod.desiredStatus === 'RUNNING', startedAt: uptime !== null ? now - uptime * 1000 : null, gpuUtil: sample.gpuUtil, monai, busy, asked },
      // Auto-stop applies to the bot's own pod; other pods are only reported.
      managed ? this.policy : { ...this.policy, autostop: 'off' },
    );
    let state = evaluation.state;
    const decision = evaluation.decision;
    const channel = (await this.deps.store.pods.get(pod.name))?.startedChannel ?? fallbackChannel;
    if (evaluation.monai && state && channel) await this.monaiEvent(channel, pod, state, monai, evaluation.monai, now);
    if (decision.kind === 'warn' && state) state = await this.warn(channel, pod, state, monai.kind === 'down', now);
    if (decision.kind === 'cancel') await this.audit('idle countdown cancelled', pod.id, state?.warning?.channel ?? null, decision.activity);
    if (decision.kind === 'cancel' && state?.warning) {
      await this.deps.notifier.warningOutcome(state.warning, pod.name, { kind: 'activity', at: now, activity: decision.activity });
      state = { ...state, warning: null };
    }
    if (decision.kind === 'stop' && state) state = await this.stop(pod, state, now);
    if (state) await this.deps.store.idle.put(state);
    else if (previous) await this.deps.store.idle.delete(pod.id);
    return { ...evaluation, monaiDown: managed && pod.desiredStatus === 'RUNNING' ? monai.kind === 'down' : null };
  }

  /** MONAI Label stopped answering: the channel hears it once, and the bot restarts it once. */
  private async monaiEvent(channel: string, pod: Pod, state: IdleState, signal: MonaiSignal, event: 'down' | 'back', now: number): Promise<void> {
    const { control, notifier, logger } = this.deps;
    if (event === 'back') {
      logger.info('MONAI Label answers again', { podId: pod.id });
      await notifier.notice(channel, { kind: 'monai-back', podName: pod.name, podId: pod.id, downMs: now - (state.monaiDownSince ?? now) });
      return;
    }
    const reason = signal.kind === 'down' ? signal.reason : 'MONAI Label does not answer';
    // Only the bot's own pod reaches here; a restart needs its ports (SSH), and nobody wishing it stopped.
    const restarting = podEndpoints(pod) !== null && (control.lastWish === null || control.lastWish === 'running');
    const registered = await this.deps.store.pods.get(pod.name);
    logger.warn('MONAI Label does not answer while the pod runs', { podId: pod.id, reason, restarting });
    await this.audit('MONAI Label not answering', pod.id, channel, restarting ? 'restart requested' : 'reported');
    await notifier.notice(channel, {
      kind: 'monai-down',
      podName: pod.name,
      podId: pod.id,
      since: state.monaiDownSince ?? now,
      reason,
      costPerHr: pod.costPerHr,
      owner: { id: registered?.startedBy ?? null, name: registered?.startedByName ?? null },
      restarting,
      quiet: this.quiet(now),
    });
    if (!restarting) return;
    try {
      const { request } = await control.want({ kind: 'restart', models: control.models ?? this.deps.defaultModels }, { user: MONAI_WATCH_USER, channel, name: 'the bot' });
      // The sampler does not wait for the restart; its failure is told when it comes.
      void request.done.then(async (view) => {
        if (view.phase === 'succeeded') return;
        await notifier.notice(channel, { kind: 'monai-restart-failed', podName: pod.name, reason: view.error?.message ?? 'it was replaced by another request' });
      });
    } catch (error) {
      logger.warn('could not ask for a MONAI Label restart', { error });
    }
  }

  /** The pod of a deploy RunPod never confirmed has appeared: it is the bot's, and it bills. */
  private async adoptLateDeploy(snapshot: Snapshot, fallbackChannel: string | undefined): Promise<void> {
    const pending = this.deps.control.pendingDeploy;
    const pod = pending ? podOfDeploy(snapshot.pods, pending.nonce) : undefined;
    if (!pending || !pod) return;
    await this.deps.control.adoptLateDeploy(pod.id);
    this.deps.logger.warn('the pod of an unconfirmed deploy appeared; it is now the bot’s pod', { podId: pod.id });
    const channel = (await this.deps.store.pods.get(this.deps.podName))?.startedChannel ?? fallbackChannel;
    await this.audit('pod of an unconfirmed deploy appeared', pod.id, channel ?? null, 'adopted');
    if (channel) await this.deps.notifier.notice(channel, { kind: 'late-deploy', podName: pod.name, podId: pod.id, costPerHr: pod.costPerHr, sentAt: pending.sentAt });
  }

  private audit(text: string, podId: string, channel: string | null, outcome: string, startedAt?: number): Promise<void> {
    return this.deps.auditor.record({ actor: AUTO_STOP_USER, kind: 'auto', text, podId, channel, outcome, ...(startedAt ? { startedAt } : {}) });
  }

  private quiet(now: number): boolean {
    return inWindow(now, this.deps.settings.timeZone, this.deps.settings.quietHours);
  }

  private async warn(channel: string | undefined, pod: Pod, state: IdleState, notAnswering: boolean, now: number): Promise<IdleState> {
    if (!channel) {
      this.deps.logger.warn('idle pod, but no channel to warn in (set DIGEST_CHANNEL)', { podId: pod.id });
      return state;
    }
    const registered = await this.deps.store.pods.get(pod.name);
    const ref = await this.deps.notifier.idleWarning(channel, {
      podName: pod.name,
      state,
      costPerHr: pod.costPerHr,
      volumeGb: pod.volumeInGb,
      storagePerMonth: stoppedStoragePerMonth(pod.volumeInGb),
      gpuPercent: this.deps.settings.idleGpuPercent,
      autostop: this.deps.settings.autostop === 'stop' ? 'stop' : 'warn',
      owner: { id: registered?.startedBy ?? null, name: registered?.startedByName ?? null },
      notAnswering,
      quiet: this.quiet(now),
      now,
      zone: this.deps.settings.timeZone,
    });
    if (!ref) return state;
    this.deps.logger.info('idle warning posted', { podId: pod.id, channel, idleMinutes: Math.round((now - state.idleSince) / 60_000) });
    await this.audit('idle warning', pod.id, channel, `idle ${formatDuration(now - state.idleSince)}`);
    return { ...state, warning: ref };
  }

  private async stop(pod: Pod, state: IdleState, now: number): Promise<IdleState> {
    const { notifier, logger } = this.deps;
    const idleMs = now - state.idleSince;
    const { request } = await this.deps.control.want({ kind: 'stop' }, { user: AUTO_STOP_USER, channel: state.warning?.channel ?? null, name: 'auto-stop' });
    const view = await request.done;
    await this.audit('auto-stop', pod.id, state.warning?.channel ?? null, view.error ? `${view.phase}:${view.error.code}` : view.phase, now);
    if (view.phase === 'succeeded') {
      logger.info('idle pod stopped', { podId: pod.id, idle: formatDuration(idleMs) });
      if (state.warning) {
        await notifier.warningOutcome(state.warning, pod.name, { kind: 'stopped', at: now, idleMs, costPerHr: pod.costPerHr, volumeGb: pod.volumeInGb, storagePerMonth: stoppedStoragePerMonth(pod.volumeInGb) });
      }
      return { ...state, warning: null, stopAt: null, warnedAt: null };
    }
    // Never claimed: the warning says the stop did not happen, and the next sample tries again.
    const failures = state.stopFailures + 1;
    logger.warn('idle stop not confirmed; will retry', { podId: pod.id, failures, reason: view.error?.message });
    if (state.warning) {
      await notifier.warningOutcome(state.warning, pod.name, {
        kind: 'stop-failed',
        at: now,
        reason: view.error?.message ?? 'no answer',
        costPerHr: pod.costPerHr,
        retryMs: this.deps.settings.sampleMs,
        escalate: failures >= 3 && !this.quiet(now),
      });
    }
    return { ...state, stopFailures: failures };
  }

  /** /monai keep: no warning and no stop until then; the idle clock restarts afterwards. */
  async keep(user: string, duration: '1h' | '4h' | 'tomorrow'): Promise<KeepOutcome> {
    const { clock, store, settings } = this.deps;
    const now = clock.now();
    const { snapshot } = await this.deps.snapshots.get(30_000);
    const { pod } = await locatePod({ runpod: this.deps.runpod, pods: store.pods, podName: this.deps.podName, installation: this.deps.installation }, snapshot);
    if (!pod || pod.desiredStatus !== 'RUNNING') return { kind: 'not-running' };
    const until = duration === 'tomorrow' ? nextLocalHour(now, settings.timeZone, 9) : now + (duration === '1h' ? 1 : 4) * 3_600_000;
    const state = (await store.idle.get(pod.id)) ?? newIdleState(pod.id, now, null, this.policy);
    const kept = keep(state, until, user);
    if (state.warning) {
      await this.deps.notifier.warningOutcome(state.warning, pod.name, { kind: 'kept', until, by: user });
      kept.warning = null;
    }
    await store.idle.put(kept);
    this.deps.logger.info('pod kept', { podId: pod.id, user, until: new Date(until).toISOString() });
    return { kind: 'kept', until, by: user };
  }
}
