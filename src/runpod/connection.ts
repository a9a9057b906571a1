import { isBotError, type BotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Clock } from '../util/clock.js';
import { retry } from '../util/retry.js';
import { VERSION } from '../version.js';

/** How either adapter reaches RunPod: address, key, and the bounds on waiting and retrying. */
export interface RunPodConnection {
  url: string;
  apiKey: string;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  timeoutMs?: number;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called after every HTTP exchange with RunPod; feeds /healthz and the benchmarks. */
  onCall?: (result: { ok: boolean; operation: string; error?: BotError }) => void;
}

// Cloudflare in front of RunPod blocks some default user agents.
export const USER_AGENT = `monai-pod-bot/${VERSION} (node ${process.version})`;

/** A call that is safe to send again, retried with backoff while it fails transiently, or as long as RunPod asks (Retry-After, at most a minute). */
export function retryRunPodCall<T>(task: () => Promise<T>, connection: RunPodConnection, operation: string, signal?: AbortSignal): Promise<T> {
  return retry(task, {
    attempts: connection.attempts ?? 4,
    baseDelayMs: connection.baseDelayMs ?? 500,
    maxDelayMs: connection.maxDelayMs ?? 8_000,
    shouldRetry: (error) => isBotError(error) && error.retryable,
    requestedDelayMs: (error) =>
      isBotError(error) && error.retryAfterSeconds !== undefined ? Math.min(60, error.retryAfterSeconds) * 1000 : undefined,
    onRetry: (error, attempt, delayMs) =>
      connection.logger.warn('RunPod call failed, retrying', {
        operation,
        attempt,
        delayMs: Math.round(delayMs),
        reason: isBotError(error) ? error.message : String(error),
      }),
    clock: connection.clock,
    signal,
  });
}
