import type { Clock } from '../util/clock.js';
import type { RunPodApi, Snapshot } from './api.js';

/**
 * One shared, short-lived view of the account. Concurrent readers share one request, and reads
 * within maxAge reuse the last answer, so a channel full of `/monai status` costs RunPod one call.
 * After `invalidate()` (the bot changed something) no reader joins a request sent before it: that
 * answer may predate the change (a deploy the listing cannot show yet).
 */
export class SnapshotCache {
  private last: { snapshot: Snapshot; at: number } | null = null;
  private inflight: { promise: Promise<Snapshot>; generation: number } | null = null;
  private generation = 0;

  constructor(
    private readonly runpod: RunPodApi,
    private readonly clock: Clock,
  ) {}

  async get(maxAgeMs: number, signal?: AbortSignal): Promise<{ snapshot: Snapshot; at: number }> {
    if (this.last && this.clock.now() - this.last.at <= maxAgeMs) return this.last;
    const snapshot = await this.fetch(signal);
    return { snapshot, at: this.last?.at ?? this.clock.now() };
  }

  /**
   * Always asks RunPod, joining a request already under way only if it was sent after the last
   * change. The shared request is nobody's to cancel: `signal` ends only this caller's wait.
   */
  fetch(signal?: AbortSignal): Promise<Snapshot> {
    return signal ? abortable(this.shared(), signal) : this.shared();
  }

  private shared(): Promise<Snapshot> {
    if (this.inflight && this.inflight.generation === this.generation) return this.inflight.promise;
    const generation = this.generation;
    const startedAt = this.clock.now();
    const promise = this.runpod
      .snapshot()
      .then((snapshot) => {
        if (generation === this.generation) this.last = { snapshot, at: startedAt };
        return snapshot;
      })
      .finally(() => {
        if (this.inflight?.promise === promise) this.inflight = null;
      });
    this.inflight = { promise, generation };
    return promise;
  }

  /** After the bot changed something, the next read must ask RunPod anew. */
  invalidate(): void {
    this.generation += 1;
    this.last = null;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
