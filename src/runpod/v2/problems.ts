import { parseDictionary, parseList } from 'structured-headers';
import { BotError, type BotErrorOptions, type ErrorCode } from '../../errors.js';
import { classifyRunPodMessage } from '../errors.js';
import { wireProblem, type WireProblem } from './wire.js';

/** A failed v2 exchange: the typed error users see, with the HTTP status and problem for the adapter's own decisions (404, 409). */
export class V2Failure extends BotError {
  constructor(
    code: ErrorCode,
    readonly status: number,
    readonly problem: WireProblem | null,
    options: BotErrorOptions = {},
  ) {
    super(code, options);
  }
}

/** RunPod's text, made safe to quote on one line: no control characters, bounded. */
function quote(text: string): string {
  const flat = [...text].map((char) => (char.charCodeAt(0) < 32 || char.charCodeAt(0) === 127 ? ' ' : char)).join('').replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** Seconds RunPod asks the bot to wait: Retry-After, else the reset of an exhausted RateLimit window (IETF draft). */
export function waitSeconds(headers: Headers, now: number): number | undefined {
  const retry = headers.get('retry-after');
  if (retry) {
    if (/^\d+$/.test(retry.trim())) return Number(retry.trim());
    const date = Date.parse(retry);
    if (Number.isFinite(date)) return Math.max(0, (date - now) / 1000);
  }
  const limit = headers.get('ratelimit');
  if (!limit) return undefined;
  try {
    // Draft 8+: "minute";r=0;t=30 (one entry per policy).
    const waits = parseList(limit).flatMap(([, params]) => {
      const remaining = params.get('r');
      const reset = params.get('t');
      return typeof reset === 'number' && (remaining === undefined || remaining === 0) ? [reset] : [];
    });
    if (waits.length > 0) return Math.max(...waits);
  } catch {
    // not a list: try the older dictionary form
  }
  try {
    // Earlier drafts: limit=60, remaining=0, reset=30.
    const reset = parseDictionary(limit).get('reset')?.[0];
    return typeof reset === 'number' ? reset : undefined;
  } catch {
    return undefined;
  }
}

function parseProblem(contentType: string, text: string): WireProblem | null {
  if (!/json/i.test(contentType)) return null;
  try {
    const parsed = wireProblem.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * An HTTP answer that is not a success, as a typed error. A problem body (RFC 9457) is RunPod's
 * own answer; anything else (an HTML page from the edge) is the way there failing.
 */
export function classifyAnswer(operation: string, status: number, contentType: string, text: string, headers: Headers, now: number): V2Failure {
  const problem = parseProblem(contentType, text);
  const detail = quote(problem?.detail ?? '');
  const fail = (code: ErrorCode, options: BotErrorOptions = {}) => new V2Failure(code, status, problem, options);
  if (status === 401) return fail('RUNPOD_AUTH');
  if (status === 429) {
    const wait = waitSeconds(headers, now);
    return fail('RUNPOD_TRANSIENT', { message: 'RunPod is rate-limiting the bot (HTTP 429).', ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) });
  }
  if (!problem) return fail('RUNPOD_TRANSIENT', { message: `RunPod answered HTTP ${status}.` });
  if (status === 403) return fail('RUNPOD_PERMISSION', detail ? { message: `RunPod refused the key: ${detail}` } : {});
  if (status === 404) return fail('POD_GONE', { message: `RunPod does not know that pod (${detail || 'HTTP 404'}).` });
  if (status === 422) {
    const count = problem.errors?.length ?? 0;
    return fail('RUNPOD_INVALID_REQUEST', {
      message: `RunPod rejected the bot’s ${operation} request as malformed (HTTP 422${count > 0 ? `, ${count} field error${count === 1 ? '' : 's'}` : ''}).`,
      action: 'This is a bug in monai-pod-bot, not in your settings: the bot’s log has RunPod’s full answer; please report it.',
    });
  }
  if (status >= 500) {
    const title = problem.title ?? '';
    return fail('RUNPOD_TRANSIENT', { message: `RunPod answered HTTP ${status}${detail && detail !== title ? `: ${detail.replace(/\.$/, '')}` : ''}.` });
  }
  // 400 carries RunPod's business refusals (no capacity, host full, balance) in the same words as GraphQL's errors.
  const classified = classifyRunPodMessage(detail || `HTTP ${status}`);
  return fail(classified.code, { message: classified.message });
}
