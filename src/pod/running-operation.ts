import { asBotError, BotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Pod } from '../runpod/api.js';
import type { OperationRecord, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import {
  setCondition,
  type ConditionStatus,
  type ConditionType,
  type OperationResult,
  type OperationView,
  type PodSummary,
} from './operation.js';

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
 * One operation in flight: its view (what front ends render), its memory (what survives a
 * crash), its listeners and its cancellation. Every change is persisted before listeners hear it.
 */
export class RunningOperation {
  view: OperationView;
  memory: Record<string, unknown>;
  readonly params: Record<string, unknown>;
  readonly abort = new AbortController();
  readonly done: Promise<OperationView>;
  private readonly listeners = new Set<Listener>();
  private settle!: (view: OperationView) => void;
  private persisting: Promise<void> = Promise.resolve();

  /** `saved`: the record's first write, which every later update must follow. */
  constructor(
    private readonly record: OperationRecord,
    private readonly deps: { store: Store; clock: Clock; logger: Logger },
    saved: Promise<void> = Promise.resolve(),
  ) {
    this.persisting = saved;
    this.view = record.view;
    this.memory = { ...record.memory };
    this.params = record.params;
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get id(): string {
    return this.view.id;
  }

  get channel(): string | null {
    return this.record.channel;
  }

  get messageTs(): string | null {
    return this.record.messageTs;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
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
    await this.deps.store.operations.update(this.id, { channel, messageTs: ts, updatedAt: this.deps.clock.now() });
  }

  condition(type: ConditionType, status: ConditionStatus, reason: string, message: string): void {
    const conditions = setCondition(this.view.conditions, type, status, reason, message, this.deps.clock.now());
    const old = this.view.conditions.find((condition) => condition.type === type);
    if (old && old.status === status && old.reason === reason && old.message === message) return;
    this.change({ conditions });
  }

  setPod(pod: Pod): void {
    this.change({ pod: summarizePod(pod) });
  }

  async remember(patch: Record<string, unknown>): Promise<void> {
    this.memory = { ...this.memory, ...patch };
    await this.persist();
  }

  succeed(result: OperationResult): OperationView {
    return this.finish({ phase: 'succeeded', result });
  }

  fail(error: unknown): OperationView {
    const botError = asBotError(error);
    if (botError.code === 'INTERNAL') this.deps.logger.error('operation failed unexpectedly', { operation: this.id, error: botError.cause });
    else if (botError.code !== 'CANCELLED') {
      const cause = botError.cause instanceof Error ? botError.cause.message : undefined;
      this.deps.logger.warn('operation failed', { operation: this.id, kind: this.view.kind, code: botError.code, reason: botError.message, cause });
    }
    return this.finish({
      phase: botError.code === 'CANCELLED' ? 'cancelled' : 'failed',
      error: { code: botError.code, message: botError.message, action: botError.action, details: botError.details },
    });
  }

  /** Set when the bot shuts down mid-operation: the record stays "running" so the next start carries on. */
  suspended = false;

  suspend(): void {
    this.suspended = true;
    if (!this.abort.signal.aborted) this.abort.abort(new BotError('SHUTTING_DOWN'));
  }

  /** Ends this process's part without ending the operation: front ends show the note; the record stays running. */
  pause(note: string): OperationView {
    this.change({ note });
    void this.persisting.then(() => this.settle(this.view));
    return this.view;
  }

  /** After a restart: the note about the restart no longer holds. */
  resumeNote(note: string): void {
    this.change({ note });
  }

  cancel(reason: string): void {
    if (!this.abort.signal.aborted) this.abort.abort(new BotError('CANCELLED', { message: reason }));
  }

  private finish(patch: Partial<OperationView>): OperationView {
    if (this.view.phase !== 'running') return this.view;
    this.change({ ...patch, finishedAt: this.deps.clock.now() });
    void this.persisting.then(() => this.settle(this.view));
    return this.view;
  }

  private change(patch: Partial<OperationView>): void {
    this.view = { ...this.view, ...patch, updatedAt: this.deps.clock.now() };
    void this.persist();
    for (const listener of this.listeners) {
      try {
        listener(this.view);
      } catch (error) {
        this.deps.logger.warn('progress listener failed', { operation: this.id, error });
      }
    }
  }

  private persist(): Promise<void> {
    const view = this.view;
    const memory = this.memory;
    this.persisting = this.persisting
      .then(() =>
        this.deps.store.operations.update(this.id, { view, memory, status: view.phase, updatedAt: this.deps.clock.now() }),
      )
      .catch((error: unknown) => {
        this.deps.logger.error('could not save operation state', { operation: this.id, error });
      });
    return this.persisting;
  }
}
