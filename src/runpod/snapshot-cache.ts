import type { Clock } from '../util/clock.js';
import type { RunPodApi, Snapshot } from './api.js';

/**
 * One shared, short-lived view of the account. Concurrent readers share one request, and reads
 * within maxAge reuse the last answer, so a channel full of `/monai status` costs RunPod one call.
 */
export class SnapshotCache {
  private last: { snapshot: Snapshot; at: number } | null = null;
  private inflight: Promise<Snapshot> | null = null;

  constructor(
    private readonly runpod: RunPodApi,
    private readonly clock: Clock,
  ) {}

  async get(maxAgeMs: number, signal?: AbortSignal): Promise<{ snapshot: Snapshot; at: number }> {
    if (this.last && this.clock.now() - this.last.at <= maxAgeMs) return this.last;
    return { snapshot: await this.fetch(signal), at: this.last?.at ?? this.clock.now() };
  }

  /** Always asks RunPod (joining a request already under way). */
  fetch(signal?: AbortSignal): Promise<Snapshot> {
    if (!this.inflight) {
      const startedAt = this.clock.now();
      this.inflight = this.runpod
        .snapshot(signal)
        .then((snapshot) => {
          this.last = { snapshot, at: startedAt };
          return snapshot;
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    return this.inflight;
  }

  /** After the bot changed something, the next read must ask RunPod. */
  invalidate(): void {
    this.last = null;
  }

  peek(): { snapshot: Snapshot; at: number } | null {
    return this.last;
  }
}
