import type { Clock } from './clock.js';

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  shouldRetry: (error: unknown) => boolean;
  /** A delay the server asked for (Retry-After), in ms; wins over backoff when larger. */
  requestedDelayMs?: (error: unknown) => number | undefined;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  clock: Clock;
  signal?: AbortSignal | undefined;
  random?: () => number;
}

/**
 * Bounded retries with exponential backoff and full jitter. Hand-written rather than p-retry:
 * p-retry 7+ needs Node 22, and none of its versions lets one error choose its own delay
 * (Retry-After) or runs on an injected clock.
 */
export async function retry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.shouldRetry(error) || options.signal?.aborted) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)) * random();
      const delayMs = Math.max(backoff, options.requestedDelayMs?.(error) ?? 0);
      options.onRetry?.(error, attempt, delayMs);
      await options.clock.sleep(delayMs, options.signal);
    }
  }
}
