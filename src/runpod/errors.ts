import { ClientError } from 'graphql-request';
import { BotError } from '../errors.js';
import { didYouMeanGpu } from './gpu-catalog.js';

const NO_CAPACITY = [
  'no longer any instances available',
  'does not have the resources to deploy',
  'no instances currently available',
];

/** Refusals that say outright that the GPU type does not exist (rather than that none is free). */
const UNKNOWN_GPU_TYPE = /\bgpu ?type\b.*\b(not found|unknown|invalid|does not exist|not supported)\b|\b(unknown|invalid) gpu ?type\b/i;

/**
 * A deploy refused because RunPod has no such GPU type: a configuration error (GPU_TYPES), never
 * "no capacity", which would send users back to try again in a few minutes.
 */
export function unknownGpuTypeError(gpuTypeId: string | undefined, cause?: unknown): BotError {
  return new BotError('RUNPOD_UNKNOWN_GPU_TYPE', {
    message: gpuTypeId ? `RunPod has no GPU type “${gpuTypeId}” (from GPU_TYPES)${didYouMeanGpu(gpuTypeId) || '.'}` : 'RunPod refused a GPU type from GPU_TYPES as unknown.',
    cause,
  });
}

function firstMessage(error: ClientError): string {
  return String(error.response.errors?.[0]?.message ?? '');
}

function retryAfterSeconds(error: ClientError): number | undefined {
  const header = error.response.headers?.get?.('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}

/** Business refusals that come back as HTTP 200 with errors[]. */
export function classifyRunPodMessage(message: string, code?: string): BotError {
  const lower = message.toLowerCase();
  if (UNKNOWN_GPU_TYPE.test(message)) return unknownGpuTypeError(undefined);
  if (NO_CAPACITY.some((text) => lower.includes(text))) {
    return new BotError('RUNPOD_NO_CAPACITY', { message: `RunPod: ${message}` });
  }
  if (lower.includes('not enough free gpus on the host')) return new BotError('RUNPOD_HOST_FULL');
  if (lower.includes('insufficient_balance') || lower.includes('spending limit') || lower.includes('balance is too low')) {
    return new BotError('RUNPOD_SPEND_LIMIT', { message: `RunPod refused: ${message}` });
  }
  if (lower === 'unauthorized') return new BotError('RUNPOD_PERMISSION');
  if (code === 'INTERNAL_SERVER_ERROR' || lower.startsWith('something went wrong')) {
    return new BotError('RUNPOD_TRANSIENT', { message: `RunPod answered with a server error: ${message}` });
  }
  return new BotError('RUNPOD_INVALID_REQUEST', { message: `RunPod refused the request: ${message}` });
}

/** Maps whatever graphql-request or fetch threw to a typed error. */
export function classifyRunPodFailure(error: unknown): BotError {
  if (error instanceof BotError) return error;
  if (error instanceof ClientError) {
    const status = error.response.status;
    if (status === 401) return new BotError('RUNPOD_AUTH', { cause: error });
    if (status === 429) {
      return new BotError('RUNPOD_TRANSIENT', {
        message: 'RunPod is rate-limiting the bot (HTTP 429).',
        retryAfterSeconds: retryAfterSeconds(error),
        cause: error,
      });
    }
    if (status >= 500 || status === 403) {
      return new BotError('RUNPOD_TRANSIENT', { message: `RunPod answered HTTP ${status}.`, cause: error });
    }
    if (status === 400) {
      return new BotError('RUNPOD_INVALID_REQUEST', { message: `RunPod rejected the request: ${firstMessage(error)}`, cause: error });
    }
    const code = error.response.errors?.[0]?.extensions?.['code'];
    const classified = classifyRunPodMessage(firstMessage(error), typeof code === 'string' ? code : undefined);
    return new BotError(classified.code, { message: classified.message, action: classified.action, cause: error });
  }
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new BotError('RUNPOD_TRANSIENT', { message: 'RunPod did not answer in time.', cause: error });
  }
  // Network failures (fetch failed), HTML error pages and unparseable bodies.
  return new BotError('RUNPOD_TRANSIENT', { message: 'RunPod’s API could not be reached or sent an unreadable answer.', cause: error });
}
