import { BotError } from '../errors.js';
import type { OperationRecord } from '../store/store.js';
import type { OperationKind, OperationResult, OperationView } from './operation.js';
import { RunningOperation } from './running-operation.js';
import { runRestart, runStart, type LifecycleDeps } from './start.js';
import { runStop, runTerminate } from './stop.js';

export interface Requester {
  user: string;
  channel: string | null;
  /** A display name, for messages that must not @mention anyone. */
  name?: string | undefined;
}

export type Runner = (op: RunningOperation, deps: LifecycleDeps) => Promise<OperationResult>;

export interface RequestOutcome {
  op: RunningOperation;
  /** True when the request joined an operation already under way. */
  joined: boolean;
  /** The operation this one waits for, when it was queued. */
  behind: RunningOperation | null;
}

const PAUSED = '⏸️ Paused: the bot is restarting; it carries on from here when it is back.';

const FAMILY: Record<OperationKind, 'up' | 'down'> = { start: 'up', restart: 'up', stop: 'down', terminate: 'down' };

/**
 * Serialises what people ask of the pod. Requests only record what is wanted: a request equal to
 * the one under way joins it; an opposite one cancels a start (a stop must not wait for a
 * ten-minute install) or queues behind a stop; only the newest pending request is kept.
 */
export class PodController {
  private current: RunningOperation | null = null;
  private pending: RunningOperation | null = null;
  private draining: Promise<void> = Promise.resolve();
  private readonly runners: Record<OperationKind, Runner>;
  private closed = false;

  constructor(
    private readonly deps: LifecycleDeps & { newId: () => string },
    runners: Partial<Record<OperationKind, Runner>> = {},
    private readonly onCreate: (op: RunningOperation) => void = () => {},
  ) {
    this.runners = { start: runStart, stop: runStop, terminate: runTerminate, restart: runRestart, ...runners };
  }

  get active(): RunningOperation | null {
    return this.current;
  }

  async request(kind: OperationKind, requester: Requester, params: Record<string, unknown> = {}): Promise<RequestOutcome> {
    if (this.closed) throw new BotError('SHUTTING_DOWN');
    for (const candidate of [this.current, this.pending]) {
      if (candidate && candidate.view.kind === kind && sameParams(candidate.params, params) && candidate.view.phase === 'running') {
        candidate.addRequester(requester.user);
        return { op: candidate, joined: true, behind: candidate === this.pending ? this.current : null };
      }
    }
    // Everything up to here is synchronous, so concurrent requests cannot both miss each other.
    const op = this.create(kind, requester, params);
    if (this.pending) {
      this.pending.cancel(`Replaced by a newer request from <@${requester.user}>.`);
      this.pending.fail(new BotError('CANCELLED', { message: `Replaced by a newer request from <@${requester.user}>.` }));
    }
    if (this.current && FAMILY[this.current.view.kind] !== FAMILY[kind] && FAMILY[kind] === 'down') {
      this.current.cancel(`Cancelled: <@${requester.user}> asked to ${kind} the pod.`);
    }
    this.pending = op;
    const behind = this.current;
    this.schedule();
    return { op, joined: false, behind };
  }

  /** Continues operations a previous run of the bot left unfinished. */
  resume(records: readonly OperationRecord[]): RunningOperation[] {
    const ops = records.map((record) => new RunningOperation(record, this.deps));
    for (const op of ops) {
      op.resumeNote('🔁 The bot restarted and carries on from where it was.');
      this.onCreate(op);
      this.draining = this.draining.then(() => this.run(op));
    }
    return ops;
  }

  /** Stops taking requests and waits for the operation under way (for tests and the console). */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  /**
   * Shutting down (SIGTERM): take no more requests, give the operation under way `graceMs` to
   * finish, then pause it (and anything queued) where it stands; its saved state lets the next
   * start of the bot carry on, at most one deploy per request still holding.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closed = true;
    const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    const current = this.current;
    if (current) await Promise.race([current.done, timeout(graceMs)]);
    for (const op of [this.current, this.pending]) {
      if (op && op.view.phase === 'running') op.suspend();
    }
    if (this.pending && !this.current) this.pending.pause(PAUSED);
    await Promise.race([this.draining, timeout(2000)]);
  }

  private create(kind: OperationKind, requester: Requester, params: Record<string, unknown>): RunningOperation {
    const now = this.deps.clock.now();
    const view: OperationView = {
      id: this.deps.newId(),
      kind,
      podName: this.deps.settings.name,
      phase: 'running',
      requestedBy: [requester.user],
      startedAt: now,
      updatedAt: now,
      finishedAt: null,
      conditions: [],
      pod: null,
      result: null,
      error: null,
    };
    const record: OperationRecord = {
      id: view.id,
      kind,
      podName: view.podName,
      status: 'running',
      view,
      memory: requester.name ? { requesterName: requester.name } : {},
      params,
      channel: requester.channel,
      messageTs: null,
      createdAt: now,
      updatedAt: now,
    };
    const op = new RunningOperation(record, this.deps, this.deps.store.operations.insert(record));
    this.onCreate(op);
    return op;
  }

  private schedule(): void {
    this.draining = this.draining.then(async () => {
      const next = this.pending;
      if (!next) return;
      this.pending = null;
      if (next.view.phase !== 'running') return;
      await this.run(next);
    });
  }

  private async run(op: RunningOperation): Promise<void> {
    if (op.view.phase !== 'running' || op.suspended) return;
    this.current = op;
    try {
      if (op.signal.aborted) throw op.signal.reason;
      op.succeed(await this.runners[op.view.kind](op, this.deps));
    } catch (error) {
      if (op.suspended) op.pause(PAUSED);
      else op.fail(op.signal.aborted ? op.signal.reason : error);
    } finally {
      this.current = null;
      this.deps.snapshots.invalidate();
    }
    await op.done;
  }
}

function sameParams(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
