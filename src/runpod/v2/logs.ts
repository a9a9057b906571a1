import { createParser } from 'eventsource-parser';
import { isBotError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { classifyAnswer } from './problems.js';
import { unreachable, type V2Transport } from './transport.js';
import { wireLogEvent } from './wire.js';

export interface LogTailOptions {
  clock: Clock;
  /** Stop listening once the stream has been silent this long: the backfill is over. */
  quietMs: number;
  /** Stop listening after this long in any case. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * The last `lines` lines of a pod's logs. v2 streams them (Server-Sent Events: the backfill of
 * `tail` lines, then new lines as they come), so the bot reads until the backfill is in, or the
 * stream has gone quiet, then hangs up. System lines (RunPod's own) are marked as such.
 */
export async function readLogTail(transport: V2Transport, podId: string, lines: number, options: LogTailOptions): Promise<string[]> {
  const hangUp = new AbortController();
  const signals = [hangUp.signal, AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  const collected: string[] = [];
  const parser = createParser({
    onEvent: (event) => {
      try {
        const parsed = wireLogEvent.safeParse(JSON.parse(event.data));
        if (parsed.success) collected.push(parsed.data.source === 'system' ? `[RunPod] ${parsed.data.line}` : parsed.data.line);
      } catch {
        // a line that is not JSON is not a log event
      }
    },
  });
  let quiet: NodeJS.Timeout | undefined;
  const rearm = () => {
    clearTimeout(quiet);
    quiet = setTimeout(() => hangUp.abort(), options.quietMs);
  };
  try {
    const response = await transport.fetch(transport.url(`/pods/${encodeURIComponent(podId)}/logs`, { tail: String(lines) }), {
      headers: transport.headers('text/event-stream', false),
      signal: AbortSignal.any(signals),
    });
    if (!response.ok) {
      throw classifyAnswer('logs', response.status, response.headers.get('content-type') ?? '', await response.text(), response.headers, options.clock.now());
    }
    rearm();
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (collected.length >= lines) break;
      rearm();
    }
  } catch (error) {
    // Hanging up, or RunPod's time running out, ends a read that got what there was.
    if (!hangUp.signal.aborted && collected.length === 0) {
      if (options.signal?.aborted) throw error;
      throw isBotError(error) ? error : unreachable(error);
    }
  } finally {
    clearTimeout(quiet);
    hangUp.abort();
  }
  return collected.slice(-lines);
}
