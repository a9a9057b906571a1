import { asBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Pod } from '../runpod/api.js';
import type { OperationRecord, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Intent } from './desired.js';
import { setCondition, type ConditionStatus, type ConditionType, type OperationResult, type OperationView, type PodSummary } from './operation.js';

export type Listener = (view: OperationView) => void;

export function summarizePod(pod: Pod): PodSummary {
  return {
    id: pod.id,
    name: pod.name,
    status: pod.desiredStatus,
    gpu: pod.gpuDisplayName,
    gpuCount: pod.gpuCount,
    costPerHr: pod.costPerHr,
    volumeGb: pod.volumeInGb,
  };
}

/**
 * What one person's request looks like while the reconciler works on it: its view (what front
 * ends render) and who listens. Every change is persisted before listeners hear it, so a
 * restarted bot keeps editing the same message.
 */
export class PodRequest {
  view: OperationView;
  readonly done: Promise<OperationView>;
  private readonly listeners = new Set<Listener>();
  private settle!: (view: OperationView) => void;
  private persisting: Promise<void>;

  /** `saved`: the record's first write, which every later update must follow. */
  constructor(
    private readonly record: OperationRecord,
    private readonly deps: { store: Store; clock: Clock; logger: Logger },
    saved: Promise<void> = Promise.resolve(),
  ) {
    this.persisting = saved;
    this.view = record.view;
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get id(): string {
    return this.view.id;
  }

  get intent(): Intent {
    return this.record.intent;
  }

  get requesterName(): string | null {
    return this.record.requesterName;
  }

  get channel(): string | null {
    return this.record.channel;
  }

  get messageTs(): string | null {
    return this.record.messageTs;
  }

  get running(): boolean {
    return this.view.phase === 'running';
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addRequester(user: string): void {
    if (this.view.requestedBy.includes(user)) return;
    this.change({ requestedBy: [...this.view.requestedBy, user] });
  }

  /** Remembers where the progress message lives, so a restarted bot edits the same one. */
  async setMessage(channel: string, ts: string): Promise<void> {
    this.record.channel = channel;
    this.record.messageTs = ts;
    await this.persisting;
    await this.deps.store.operations.update(this.id, { channel, messageTs: ts, updatedAt: this.deps.clock.now() });
  }

  condition(type: ConditionType, status: ConditionStatus, reason: string, message: string): void {
    const old = this.view.conditions.find((condition) => condition.type === type);
    if (old && old.status === status && old.reason === reason && old.message === message) return;
    this.change({ conditions: setCondition(this.view.conditions, type, status, reason, message, this.deps.clock.now()) });
  }

  setPod(pod: Pod): void {
    const summary = summarizePod(pod);
    if (JSON.stringify(summary) !== JSON.stringify(this.view.pod)) this.change({ pod: summary });
  }

  succeed(result: OperationResult): OperationView {
    return this.finish({ phase: 'succeeded', result });
  }

  fail(error: unknown): OperationView {
    const botError = asBotError(error);
    if (botError.code === 'INTERNAL') this.deps.logger.error('request failed unexpectedly', { request: this.id, error: botError.cause });
    else {
      const cause = botError.cause instanceof Error ? botError.cause.message : undefined;
      this.deps.logger.warn('request failed', { request: this.id, kind: this.view.kind, code: botError.code, reason: botError.message, cause });
    }
    return this.finish({ phase: 'failed', error: { code: botError.code, message: botError.message, action: botError.action, details: botError.details } });
  }

  /** A newer request replaced this one before it was done. */
  cancel(note: string): OperationView {
    return this.finish({ phase: 'cancelled', note });
  }

  /** Ends this process's part without ending the request: front ends show the note; the record stays running. */
  pause(note: string): OperationView {
    this.change({ note });
    void this.persisting.then(() => this.settle(this.view));
    return this.view;
  }

  /** A note under the steps, e.g. that the bot restarted and carries on. */
  note(note: string | null): void {
    this.change({ note });
  }

  private finish(patch: Partial<OperationView>): OperationView {
    if (this.view.phase !== 'running') return this.view;
    this.change({ ...patch, finishedAt: this.deps.clock.now() });
    void this.persisting.then(() => this.settle(this.view));
    return this.view;
  }

  private change(patch: Partial<OperationView>): void {
    this.view = { ...this.view, ...patch, updatedAt: this.deps.clock.now() };
    const view = this.view;
    this.persisting = this.persisting
      .then(() => this.deps.store.operations.update(this.id, { view, status: view.phase, updatedAt: this.deps.clock.now() }))
      .catch((error: unknown) => {
        this.deps.logger.error('could not save the request’s state', { request: this.id, error });
      });
    for (const listener of this.listeners) {
      try {
        listener(this.view);
      } catch (error) {
        this.deps.logger.warn('progress listener failed', { request: this.id, error });
      }
    }
  }
}
