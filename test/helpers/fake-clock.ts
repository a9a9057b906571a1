import type { Clock } from '../../src/util/clock.js';

/** Virtual time: sleeping advances it at once, so waits in the code under test cost nothing. */
export class FakeClock implements Clock {
  constructor(public t = Date.UTC(2026, 10, 24, 12, 0, 0)) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.t += Math.max(0, ms);
    // Let other promises run, as a real wait would.
    await new Promise((resolve) => setImmediate(resolve));
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
