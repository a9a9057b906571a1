import type { Auditor } from '../audit/audit.js';
import type { CostSettings } from '../config/load.js';
import { isBotError } from '../errors.js';
import type { Surface } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import { idleWarning, localTime, warningOutcome, who } from '../messages/costs.js';
import { noticeMessage } from '../messages/common.js';
import type { MonaiApi } from '../monai/api.js';
import type { PodController } from '../pod/controller.js';
import { apiUrl, pickPod, podEndpoints } from '../pod/endpoints.js';
import type { Pod, Snapshot } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { formatDuration, formatMoney } from '../util/format.js';
import { inWindow, nextLocalHour } from '../util/zone.js';
import { evaluateIdle, keep, newIdleState, type IdlePolicy, type IdleState, type MonaiSignal } from './idle-policy.js';
import { DAY, stoppedStoragePerMonth } from './math.js';
import type { PodSample } from './samples.js';

export interface CostGuardDeps {
  snapshots: SnapshotCache;
  store: Store;
  monai: MonaiApi;
  controller: PodController;
  clock: Clock;
  logger: Logger;
  settings: CostSettings;
  podName: string;
  auditor: Auditor;
}

export const AUTO_STOP_USER = 'auto-stop';

function fingerprint(reading: { labelled: number | null; labelTags: Record<string, number>; lastEvent: string | null }): string {
  return JSON.stringify([reading.labelled, Object.entries(reading.labelTags).sort(), reading.lastEvent]);
}

/**
 * The cost guard's loop, one pass per SAMPLE_MINUTES: one RunPod read for every pod and the
 * account, MONAI Label's activity for the bot's pod, the samples stored, then the idle policy and
 * what it asks for (a warning, a cancelled countdown, a stop that is checked before it is claimed).
 */
export class CostGuard {
  constructor(private readonly deps: CostGuardDeps) {}

  get policy(): IdlePolicy {
    const { settings } = this.deps;
    return { idleMs: settings.idleMs, gpuPercent: settings.idleGpuPercent, graceMs: settings.graceMs, warnMs: settings.warnMs, autostop: settings.autostop };
  }

  /** One pass; `fallbackChannel` takes warnings for a pod whose own channel is unknown. */
  async tick(surface: Surface, fallbackChannel?: string): Promise<void> {
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
    const registered = await store.pods.get(this.deps.podName);
    const managed = pickPod(snapshot.pods, this.deps.podName, registered?.podId);
    const samples: PodSample[] = [];
    for (const pod of snapshot.pods) {
      const gpuUtil = pod.runtime && pod.runtime.gpus.length > 0 ? Math.max(...pod.runtime.gpus.map((gpu) => gpu.utilPercent ?? 0)) : null;
      const sample: PodSample = {
        at: now,
        podId: pod.id,
        name: pod.name,
        status: pod.desiredStatus,
        gpuUtil: pod.desiredStatus === 'RUNNING' ? gpuUtil : null,
        costPerHr: pod.costPerHr,
        volumeGb: pod.volumeInGb,
        uptimeSeconds: pod.desiredStatus === 'RUNNING' ? pod.runtime?.uptimeSeconds ?? null : null,
        idle: null,
        activity: null,
      };
      if (pod === managed || pod.desiredStatus === 'RUNNING' || (await store.idle.get(pod.id))) {
        const evaluation = await this.evaluate({ surface, channel: fallbackChannel }, pod, pod === managed, sample, now);
        sample.idle = evaluation.idle;
        sample.activity = evaluation.activity;
      }
      samples.push(sample);
    }
    await store.samples.add(samples, snapshot.account ? { at: now, balance: snapshot.account.balance, spendPerHr: snapshot.account.spendPerHr } : null);
    await store.samples.prune(now - this.deps.settings.retentionDays * DAY);
  }

  private async evaluate(to: { surface: Surface; channel: string | undefined }, pod: Pod, managed: boolean, sample: PodSample, now: number) {
    const { surface } = to;
    const previous = await this.deps.store.idle.get(pod.id);
    const endpoints = podEndpoints(pod);
    let monai: MonaiSignal = { kind: 'none' };
    if (managed && endpoints) {
      const reading = await this.deps.monai.activity(apiUrl(endpoints.api)).catch(() => null);
      monai = reading
        ? { kind: 'read', fingerprint: fingerprint(reading), training: reading.training, lastEvent: reading.lastEvent?.replace(/^\S+ \S+ /, '') ?? null }
        : { kind: 'unreadable', reason: 'MONAI Label did not answer' };
    } else if (managed && pod.desiredStatus === 'RUNNING') {
      monai = { kind: 'unreadable', reason: 'ports not mapped' };
    }
    const uptime = sample.uptimeSeconds;
    const evaluation = evaluateIdle(
      pod.id,
      previous,
      {
        at: now,
        running: pod.desiredStatus === 'RUNNING',
        startedAt: uptime !== null ? now - uptime * 1000 : null,
        gpuUtil: sample.gpuUtil,
        monai,
        busy: managed && this.deps.controller.active?.view.kind !== 'stop' && this.deps.controller.active !== null,
      },
      // Auto-stop applies to the bot's own pod; other pods are only reported.
      managed ? this.policy : { ...this.policy, autostop: 'off' },
    );
    let state = evaluation.state;
    const decision = evaluation.decision;
    if (decision.kind === 'warn' && state) state = await this.warn(to, pod, state, now);
    if (decision.kind === 'cancel') await this.audit('idle countdown cancelled', pod.id, state?.warning?.channel ?? null, decision.activity);
    if (decision.kind === 'cancel' && state?.warning) {
      await this.edit(surface, state.warning, pod.name, `✅ Activity at ${localTime(now, this.deps.settings.timeZone)} (${decision.activity}): not stopping.`);
      state = { ...state, warning: null };
    }
    if (decision.kind === 'stop' && state) state = await this.stop(surface, pod, state, now);
    if (state) await this.deps.store.idle.put(state);
    else if (previous) await this.deps.store.idle.delete(pod.id);
    return evaluation;
  }

  private audit(text: string, podId: string, channel: string | null, outcome: string, startedAt?: number): Promise<void> {
    return this.deps.auditor.record({ actor: AUTO_STOP_USER, kind: 'auto', text, podId, channel, outcome, ...(startedAt ? { startedAt } : {}) });
  }

  private quiet(now: number): boolean {
    return inWindow(now, this.deps.settings.timeZone, this.deps.settings.quietHours);
  }

  private async warn(to: { surface: Surface; channel: string | undefined }, pod: Pod, state: IdleState, now: number): Promise<IdleState> {
    const registered = await this.deps.store.pods.get(pod.name);
    const channel = registered?.startedChannel ?? to.channel;
    if (!channel) {
      this.deps.logger.warn('idle pod, but no channel to warn in (set DIGEST_CHANNEL)', { podId: pod.id });
      return state;
    }
    const message = idleWarning({
      podName: pod.name,
      state,
      costPerHr: pod.costPerHr,
      volumeGb: pod.volumeInGb,
      storagePerMonth: stoppedStoragePerMonth(pod.volumeInGb),
      gpuPercent: this.deps.settings.idleGpuPercent,
      autostop: this.deps.settings.autostop === 'stop' ? 'stop' : 'warn',
      owner: { id: registered?.startedBy ?? null, name: registered?.startedByName ?? null },
      quiet: this.quiet(now),
      now,
      zone: this.deps.settings.timeZone,
    });
    try {
      const ref = await to.surface.post(channel, message);
      this.deps.logger.info('idle warning posted', { podId: pod.id, channel, idleMinutes: Math.round((now - state.idleSince) / 60_000) });
      await this.audit('idle warning', pod.id, channel, `idle ${formatDuration(now - state.idleSince)}`);
      return { ...state, warning: ref };
    } catch (error) {
      this.deps.logger.warn('could not post the idle warning', { podId: pod.id, channel, error });
      return state;
    }
  }

  private async stop(surface: Surface, pod: Pod, state: IdleState, now: number): Promise<IdleState> {
    const zone = this.deps.settings.timeZone;
    const idle = formatDuration(now - state.idleSince);
    const { op } = await this.deps.controller.request('stop', { user: AUTO_STOP_USER, channel: state.warning?.channel ?? null, name: 'auto-stop' });
    const view = await op.done;
    await this.audit('auto-stop', pod.id, state.warning?.channel ?? null, view.error ? `${view.phase}:${view.error.code}` : view.phase, now);
    if (view.phase === 'succeeded') {
      this.deps.logger.info('idle pod stopped', { podId: pod.id, idle });
      if (state.warning) {
        await this.edit(
          surface,
          state.warning,
          pod.name,
          `⏹️ Stopped at ${localTime(now, zone)} after ${idle} idle. Compute billing (${formatMoney(pod.costPerHr)}/hr) has ended; the ${pod.volumeInGb} GB volume is kept and costs ${formatMoney(stoppedStoragePerMonth(pod.volumeInGb))}/month while stopped. \`/monai start\` resumes it.`,
        );
      }
      return { ...state, warning: null, stopAt: null, warnedAt: null };
    }
    // Never claimed: the warning says the stop did not happen, and the next sample tries again.
    const failures = state.stopFailures + 1;
    this.deps.logger.warn('idle stop not confirmed; will retry', { podId: pod.id, failures, reason: view.error?.message });
    if (state.warning) {
      await this.edit(
        surface,
        state.warning,
        pod.name,
        `⚠️ Tried to stop it at ${localTime(now, zone)}, but RunPod did not confirm (${view.error?.message ?? 'no answer'}). It may still be running and billing ${formatMoney(pod.costPerHr)}/hr. Trying again every ${formatDuration(this.deps.settings.sampleMs)}; \`/monai stop\` tries now.${failures >= 3 && !this.quiet(now) ? ' <!here>' : ''}`,
      );
    }
    return { ...state, stopFailures: failures };
  }

  /** Edits the warning in place and says the same in its thread, so people are notified. */
  private async edit(surface: Surface, ref: { channel: string; ts: string }, podName: string, outcome: string): Promise<void> {
    try {
      const message = warningOutcome(podName, outcome);
      await surface.update(ref, message);
      await surface.post(ref.channel, { text: outcome.replaceAll('*', ''), blocks: message.blocks.slice(-1) }, { threadTs: ref.ts });
    } catch (error) {
      this.deps.logger.warn('could not update the idle warning', { channel: ref.channel, error });
    }
  }

  /** /monai keep: no warning and no stop until then; the idle clock restarts afterwards. */
  async keep(surface: Surface, user: string, duration: '1h' | '4h' | 'tomorrow') {
    const { clock, store, settings } = this.deps;
    const now = clock.now();
    const { snapshot } = await this.deps.snapshots.get(30_000);
    const registered = await store.pods.get(this.deps.podName);
    const pod = pickPod(snapshot.pods, this.deps.podName, registered?.podId);
    if (!pod || pod.desiredStatus !== 'RUNNING') return noticeMessage(`${this.deps.podName} is not running: there is nothing to keep.`);
    const until = duration === 'tomorrow' ? nextLocalHour(now, settings.timeZone, 9) : now + (duration === '1h' ? 1 : 4) * 3_600_000;
    const state = (await store.idle.get(pod.id)) ?? newIdleState(pod.id, now, null, this.policy);
    const kept = keep(state, until, user);
    const text = `✋ Kept until ${localTime(until, settings.timeZone)} by ${who({ id: user, name: null }, false)}: no idle warning or stop before then.`;
    if (state.warning) {
      await this.edit(surface, state.warning, pod.name, text);
      kept.warning = null;
    }
    await store.idle.put(kept);
    this.deps.logger.info('pod kept', { podId: pod.id, user, until: new Date(until).toISOString() });
    return noticeMessage(text);
  }
}
