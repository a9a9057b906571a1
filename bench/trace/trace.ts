import { readFileSync, writeFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * A fortnight (or any stretch) of a lab's life, as the idle benchmark replays it: who starts and
 * stops the pod, every MONAI Label event that shows a person at work, training runs, keeps, and
 * the failures. Times are ISO 8601 (with an offset or Z). A lab can write its own from its logs.
 */

const at = z.string().refine((value) => Number.isFinite(Date.parse(value)), { message: 'expected an ISO 8601 time' });
const person = z.string().regex(/^U[A-Z0-9]{2,}$/, { message: 'expected a Slack user ID such as U0ALICE' });

const EVENT = z.discriminatedUnion('kind', [
  /** `/monai start`; `serverNeverStarts`: this boot of the pod never runs MONAI Label (a failed install). */
  z.object({ kind: z.literal('start'), at, by: person, serverNeverStarts: z.boolean().optional() }),
  z.object({ kind: z.literal('stop'), at, by: person }),
  /** What MONAI Label logs when someone works in 3D Slicer. */
  z.object({ kind: z.enum(['next-sample', 'infer', 'save-label']), at, by: person }),
  /** A training run: the GPU is busy, MONAI Label reports a RUNNING train task, no annotation events. */
  z.object({ kind: z.literal('train'), at, by: person, minutes: z.number().positive().max(48 * 60) }),
  /** The Keep button (or `/monai keep`). */
  z.object({ kind: z.literal('keep'), at, by: person, duration: z.enum(['1h', '4h', 'tomorrow']) }),
  /** MONAI Label's process dies; it does not come back on this boot of the pod. */
  z.object({ kind: z.literal('crash'), at }),
  /** RunPod's API answers nothing but 502 for this long. */
  z.object({ kind: z.literal('runpod-down'), at, minutes: z.number().positive().max(24 * 60) }),
]);

export const TRACE = z.object({
  version: z.literal(1),
  description: z.string(),
  seed: z.number().int().nullable(),
  timeZone: z.string().refine((zone) => DateTime.local().setZone(zone).isValid, { message: 'expected an IANA time zone' }),
  start: at,
  end: at,
  people: z.array(z.object({ id: person, name: z.string() })),
  /** Two events of one person at most this far apart belong to one stretch of work (pauses included). */
  sessionGapMinutes: z.number().positive(),
  pod: z.object({ name: z.string(), gpuTypeId: z.string(), volumeGb: z.number().positive(), containerDiskGb: z.number().nonnegative() }),
  /** Other pods on the account, stopped since `stoppedAt` and left so. */
  stoppedPods: z.array(z.object({ name: z.string(), volumeGb: z.number().positive(), stoppedAt: at })),
  account: z.object({
    balance: z.number().nonnegative(),
    /** How the lab answers the bot's first runway warning: credit added this many hours later (null: never). */
    topUp: z.object({ amount: z.number().positive(), hoursAfterWarning: z.number().nonnegative() }).nullable(),
  }),
  events: z.array(EVENT),
});

export type Trace = z.infer<typeof TRACE>;
export type TraceEvent = Trace['events'][number];
export type AnnotationKind = 'next-sample' | 'infer' | 'save-label';

export const ms = (iso: string): number => Date.parse(iso);

/** Validates a trace (from a lab's file or the generator) and sorts its events by time. */
export function parseTrace(value: unknown): Trace {
  const trace = TRACE.parse(value);
  if (ms(trace.end) <= ms(trace.start)) throw new Error('the trace ends before it starts');
  const known = new Set(trace.people.map((someone) => someone.id));
  const stranger = trace.events.find((event) => 'by' in event && !known.has(event.by));
  if (stranger && 'by' in stranger) throw new Error(`event at ${stranger.at} is by ${stranger.by}, who is not in people`);
  return { ...trace, events: [...trace.events].sort((a, b) => ms(a.at) - ms(b.at)) };
}

export function readTrace(path: string): Trace {
  return parseTrace(JSON.parse(readFileSync(path, 'utf8')));
}

export function writeTrace(path: string, trace: Trace): void {
  writeFileSync(path, `${JSON.stringify(trace, null, 1)}\n`);
}

export interface Span {
  from: number;
  to: number;
}

/**
 * When someone was using the pod, from the trace alone: each person's events (start, annotation,
 * the start of a training run) no more than sessionGapMinutes apart make one stretch of work, and
 * every training run counts for as long as it runs. Keeps and stops are not use.
 */
export function inUseSpans(trace: Trace): Span[] {
  const gap = trace.sessionGapMinutes * 60_000;
  const spans: Span[] = [];
  const open = new Map<string, Span>();
  for (const event of trace.events) {
    if (event.kind === 'train') spans.push({ from: ms(event.at), to: ms(event.at) + event.minutes * 60_000 });
    if (!('by' in event) || event.kind === 'keep' || event.kind === 'stop') continue;
    const t = ms(event.at);
    const current = open.get(event.by);
    if (current && t - current.to <= gap) current.to = t;
    else {
      const span = { from: t, to: t };
      open.set(event.by, span);
      spans.push(span);
    }
  }
  return mergeSpans(spans);
}

export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.from <= last.to) last.to = Math.max(last.to, span.to);
    else merged.push({ ...span });
  }
  return merged;
}

/** The parts of `span` outside every one of `exclude` (merged, sorted). */
export function minus(span: Span, exclude: readonly Span[]): Span[] {
  const parts: Span[] = [];
  let from = span.from;
  for (const other of exclude) {
    if (other.to <= from || other.from >= span.to) continue;
    if (other.from > from) parts.push({ from, to: other.from });
    from = Math.max(from, other.to);
  }
  if (from < span.to) parts.push({ from, to: span.to });
  return parts;
}

/** Milliseconds of `spans` that fall outside `exclude` (merged, sorted). */
export function outside(spans: readonly Span[], exclude: readonly Span[]): number {
  return spans.flatMap((span) => minus(span, exclude)).reduce((sum, part) => sum + part.to - part.from, 0);
}

/** `t` falls in one of `spans`, ends included: a stop at the very second someone asks for the pod is a stop during use. */
export function within(t: number, spans: readonly Span[]): boolean {
  return spans.some((span) => t >= span.from && t <= span.to);
}
