import { BotError, isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { OperationRecord, PendingDeploy, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { formatDuration, mention } from '../util/format.js';
import type { Actor, ReconcileState } from './actor.js';
import { conditionsFor } from './conditions.js';
import { decide, type DecideLimits, type Step } from './decide.js';
import { desiredFor, sameIntent, type Intent } from './desired.js';
import { freshMemory, noteObservation } from './memory.js';
import type { Observer } from './observer.js';
import type { ConditionType, OperationView } from './operation.js';
import { PodRequest } from './request.js';

export interface Requester {
  user: string;
  channel: string | null;
  /** A display name, for messages that must not @mention anyone. */
  name?: string | undefined;
}

export interface ReconcilerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  snapshots: SnapshotCache;
  observer: Observer;
  actor: Actor;
  limits: DecideLimits;
  podName: string;
  podPollMs: number;
  monaiPollMs: number;
  /** A deploy RunPod never confirmed stops being looked for after this long. */
  pendingDeployExpiryMs: number;
  newId: () => string;
}

export interface WantOutcome {
  request: PodRequest;
  /** The request joined one already under way that asks for the same. */
  joined: boolean;
  /** The request under way that this one replaced. */
  replaced: PodRequest | null;
}

export interface Recovered {
  /** Requests carried on where a previous run of the bot left them. */
  resumed: PodRequest[];
  /** Requests older than their deadline, or replaced: reported, not acted on. */
  abandoned: PodRequest[];
}

const PAUSED = '⏸️ Paused: the bot is restarting; it carries on from here when it is back.';
const POD_CONDITIONS: ReadonlySet<ConditionType> = new Set(['PodExists', 'PodRunning', 'PortsMapped', 'PodStopped']);

/**
 * One reconciler per pod name. Commands, buttons, the idle guard and recovery only say what is
 * wanted (`want`); the loop observes (the pod by its pinned id), decides (pure), acts, persists
 * and goes round again until the wish is met, fails, or a newer wish replaces it. Safe to run
 * again after a crash: every step starts from a fresh observation and the persisted memory.
 */
export class PodReconciler {
  private state: ReconcileState | null = null;
  private settled = true;
  private request: PodRequest | null = null;
  private pinned: string | null = null;
  private generationAbort = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private looping = false;
  private accepting = true;
  private suspended = false;
  /** A deploy request is on its way to RunPod right now. */
  private deploying = false;
  private readonly loaded: Promise<void>;

  constructor(private readonly deps: ReconcilerDeps) {
    this.loaded = this.load();
  }

  /** The persisted desired state and the pin, read once at construction. */
  private async load(): Promise<void> {
    const record = await this.deps.store.desired.get(this.deps.podName);
    if (record) {
      this.state = { desired: record.desired, memory: record.memory, pendingDeploy: record.pendingDeploy };
      this.settled = record.settled;
    }
    this.pinned = (await this.deps.store.pods.get(this.deps.podName))?.podId ?? null;
  }

  /** The request being worked on, if any. */
  get active(): PodRequest | null {
    return this.request?.running ? this.request : null;
  }

  get pinnedPodId(): string | null {
    return this.pinned;
  }

  /** A deploy RunPod never confirmed (not one whose answer is still on its way). */
  get pendingDeploy(): PendingDeploy | null {
    if (this.deploying) return null;
    return this.state?.pendingDeploy ?? null;
  }

  /** The models the last start asked for. */
  get models(): readonly string[] | null {
    return this.state?.desired.phase === 'running' ? this.state.desired.models : null;
  }

  get lastWish(): 'running' | 'stopped' | 'absent' | null {
    return this.state?.desired.phase ?? null;
  }

  get runningWish(): { by: string; at: number } | null {
    const desired = this.state?.desired;
    return desired?.phase === 'running' ? { by: desired.requestedBy, at: desired.requestedAt } : null;
  }

  /** The bot itself is bringing the pod up: busy by definition, never idle. */
  get busy(): boolean {
    return !this.settled && this.state?.desired.phase === 'running';
  }

  async want(intent: Intent, requester: Requester): Promise<WantOutcome> {
    await this.loaded;
    if (this.settled) this.pinned = (await this.deps.store.pods.get(this.deps.podName))?.podId ?? null;
    if (!this.accepting) throw new BotError('SHUTTING_DOWN');
    // Everything up to the first await is synchronous, so two requests cannot both miss each other.
    const current = this.active;
    if (current && sameIntent(current.intent, intent)) {
      current.addRequester(requester.user);
      return { request: current, joined: true, replaced: null };
    }
    const now = this.deps.clock.now();
    const id = this.deps.newId();
    const desired = desiredFor(intent, this.state?.desired ?? null, { podName: this.deps.podName, pinnedPodId: this.pinned, requestedBy: requester.user, now, requestId: id });
    const record: OperationRecord = {
      id,
      kind: intent.kind,
      podName: this.deps.podName,
      status: 'running',
      view: { id, kind: intent.kind, podName: this.deps.podName, phase: 'running', requestedBy: [requester.user], startedAt: now, updatedAt: now, finishedAt: null, conditions: [], pod: null, result: null, error: null },
      intent,
      requesterName: requester.name ?? null,
      channel: requester.channel,
      messageTs: null,
      createdAt: now,
      updatedAt: now,
    };
    const request = new PodRequest(record, this.deps, this.deps.store.operations.insert(record));
    this.request = request;
    this.state = { desired, memory: freshMemory(desired.generation), pendingDeploy: this.state?.pendingDeploy ?? null };
    this.settled = false;
    if (current) current.cancel(`Replaced: ${mention(requester.user)} asked to ${intent.kind} the pod.`);
    // Steps on the pod stop at once; a request already sent to RunPod is allowed to finish.
    this.generationAbort.abort(new BotError('CANCELLED'));
    this.generationAbort = new AbortController();
    this.deps.logger.info('desired state changed', { generation: desired.generation, phase: desired.phase, podId: desired.podId, request: id, user: requester.user });
    await this.persist();
    this.kick();
    return { request, joined: false, replaced: current };
  }

  /** Something worth a look happened (e.g. MONAI Label's log says it listens): observe now. */
  wakeUp(): void {
    this.wake.abort();
  }

  /**
   * At start-up: carries on with the request a previous run left unfinished if it is younger than
   * its deadline; reports older or replaced ones as abandoned, without acting on them.
   */
  async recover(): Promise<Recovered> {
    await this.loaded;
    const { store, clock, limits } = this.deps;
    const resumed: PodRequest[] = [];
    const abandoned: PodRequest[] = [];
    const now = clock.now();
    const maxAge = limits.podReadyMs + limits.monaiReadyMs;
    for (const record of await store.operations.unfinished()) {
      const request = new PodRequest(record, this.deps);
      const desired = this.state?.desired;
      const current = !this.settled && desired?.requestId === record.id;
      if (current && now - desired.requestedAt <= maxAge) {
        request.note('🔁 The bot restarted and carries on from where it was.');
        this.request = request;
        resumed.push(request);
        continue;
      }
      const age = formatDuration(now - record.createdAt);
      request.fail(
        new BotError('ABANDONED', {
          message: current
            ? `The bot was not running for a while: this ${record.kind} was asked for ${age} ago, longer than it may take (POD_READY_TIMEOUT_MINUTES + MONAI_READY_TIMEOUT_MINUTES), so it was not carried on.`
            : `The bot restarted: this ${record.kind} (asked for ${age} ago) had been replaced by a newer request and was not carried on.`,
        }),
      );
      abandoned.push(request);
    }
    if (!this.settled && resumed.length === 0) {
      this.settled = true;
      await this.persist();
    }
    if (resumed.length > 0) this.kick();
    return { resumed, abandoned };
  }

  /** Stops taking requests; resolves when the work under way is done (the console, tests). */
  async close(): Promise<void> {
    this.accepting = false;
    await this.loop;
    await this.deps.observer.closeSession();
  }

  /**
   * Shutting down (SIGTERM): take no more requests, give the step under way `graceMs` to finish,
   * then pause where it stands; the persisted state lets the next start carry on.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    const current = this.active;
    if (current) await Promise.race([current.done, timeout(graceMs)]);
    if (current?.running) {
      this.suspended = true;
      this.generationAbort.abort(new BotError('SHUTTING_DOWN'));
      this.wake.abort();
      current.pause(PAUSED);
    }
    await Promise.race([this.loop, timeout(2000)]);
    await this.deps.observer.closeSession();
  }

  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    this.loop = this.run().finally(() => {
      this.looping = false;
    });
  }

  private async run(): Promise<void> {
    try {
      while (!this.suspended && this.state && !this.settled) await this.iterate();
    } finally {
      await this.deps.observer.closeSession();
    }
  }

  private stale(generation: number): boolean {
    return this.suspended || this.state?.desired.generation !== generation;
  }

  private async iterate(): Promise<void> {
    const { deps } = this;
    const request = this.request!;
    const signal = this.generationAbort.signal;
    const generation = this.state!.desired.generation;
    try {
      this.expirePendingDeploy();
      const state = this.state!;
      const observation = await deps.observer.observe(state.desired, state.memory, state.pendingDeploy, signal);
      if (this.stale(generation)) return;
      const now = deps.clock.now();
      const memory = noteObservation(state.memory, observation);
      const step = decide({ desired: state.desired, observation, memory, now, limits: deps.limits });
      this.state = { ...state, memory };
      if (observation.pod.kind === 'pinned' && observation.pod.pod) request.setPod(observation.pod.pod);
      for (const update of conditionsFor(state.desired, observation, memory, step, now)) request.condition(update.type, update.status, update.reason, update.message);
      await this.take(step, generation, request, signal);
    } catch (error) {
      if (this.stale(generation)) return;
      if (isBotError(error, 'CANCELLED')) return;
      await this.finish(() => request.fail(error));
    }
  }

  private async take(step: Step, generation: number, request: PodRequest, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    switch (step.kind) {
      case 'act': {
        // Only steps on the pod are cut short at MONAI Label's deadline; a request to RunPod never is.
        const onPod = step.action.kind === 'install' || step.action.kind === 'start-server' || step.action.kind === 'start-gate';
        const deadline = onPod ? this.monaiDeadline() : { signal: new AbortController().signal, cancel: () => undefined };
        this.deploying = step.action.kind === 'deploy';
        try {
          const next = await deps.actor.run(step.action, this.state!, {
            requester: { user: this.state!.desired.requestedBy, name: request.requesterName, channel: request.channel },
            signal,
            deadline: deadline.signal,
            save: async (state) => {
              if (this.stale(generation)) return;
              this.state = state;
              await this.persist();
            },
            progress: (type, status, reason, message) => request.condition(type, status, reason, message),
            podSeen: (pod) => request.setPod(pod),
          });
          this.pinned = (await deps.store.pods.get(deps.podName))?.podId ?? null;
          if (this.stale(generation)) {
            // Replaced mid-action: what the action learned about the pod's identity concerns the next generation too.
            if (this.state) this.state = { ...this.state, desired: this.rebound(this.state.desired), pendingDeploy: next.pendingDeploy };
            await this.persist();
            return;
          }
          this.state = next;
          await this.persist();
        } finally {
          this.deploying = false;
          deadline.cancel();
        }
        return;
      }
      case 'wait':
        await this.persist();
        await this.sleep(POD_CONDITIONS.has(step.condition) ? deps.podPollMs : deps.monaiPollMs, signal);
        return;
      case 'done':
        await this.finish(() => request.succeed(step.result));
        return;
      case 'fail':
      case 'timeout':
        await this.finish(() => request.fail(step.error));
    }
  }

  /** A generation written while an action changed the pin is about the pod pinned now. */
  private rebound(desired: ReconcileState['desired']): ReconcileState['desired'] {
    const follows = desired.phase !== 'absent' && !desired.newPod && desired.podId !== this.pinned;
    return follows ? { ...desired, podId: this.pinned } : desired;
  }

  private async finish(outcome: () => OperationView): Promise<void> {
    this.settled = true;
    // What people read next (status, the Home tab) must come from RunPod as it is now.
    this.deps.snapshots.invalidate();
    await this.persist();
    await this.deps.observer.closeSession();
    outcome();
  }

  /** MONAI Label's deadline as a signal: a long step on the pod (the install) is cut short there. */
  private monaiDeadline(): { signal: AbortSignal; cancel(): void } {
    const { clock, limits } = this.deps;
    const memory = this.state!.memory;
    const at = (memory.readyAt ?? clock.now()) + limits.monaiReadyMs;
    const reached = new AbortController();
    // Watched, not slept on: a test clock that moves only when someone sleeps must not jump to it.
    const check = () => {
      if (clock.now() >= at) reached.abort(new BotError('MONAI_READY_TIMEOUT'));
    };
    check();
    const timer = setInterval(check, 250);
    timer.unref();
    return { signal: reached.signal, cancel: () => clearInterval(timer) };
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.wake.signal.aborted) this.wake = new AbortController();
    try {
      await this.deps.clock.sleep(ms, AbortSignal.any([signal, this.wake.signal]));
    } catch (error) {
      if (!this.wake.signal.aborted) throw error;
    }
  }

  private expirePendingDeploy(): void {
    const pending = this.state?.pendingDeploy;
    if (pending && this.deps.clock.now() - pending.sentAt > this.deps.pendingDeployExpiryMs) {
      this.deps.logger.warn('a deploy RunPod never confirmed is no longer looked for', { sentAt: new Date(pending.sentAt).toISOString() });
      this.state = { ...this.state!, pendingDeploy: null };
    }
  }

  /** The pod of an unconfirmed deploy appeared (seen by the sampler): it becomes the pinned pod. */
  async adoptLateDeploy(podId: string): Promise<void> {
    if (!this.state?.pendingDeploy) return;
    const pending = this.state.pendingDeploy;
    await this.deps.store.pods.set({ podName: this.deps.podName, podId, startedBy: pending.requestedBy, startedAt: pending.sentAt, startedChannel: this.request?.channel ?? null });
    this.pinned = podId;
    this.state = { ...this.state, pendingDeploy: null };
    await this.persist();
  }

  private async persist(): Promise<void> {
    if (!this.state) return;
    await this.deps.store.desired.put({ ...this.state, settled: this.settled, updatedAt: this.deps.clock.now() });
  }
}
