import { DateTime } from 'luxon';
import { HOURS_PER_MONTH, STORAGE_PRICES } from '../../src/runpod/pricing.js';
import { formatMoney } from '../../src/util/format.js';
import { missedFigure, type Figure } from '../stats.js';
import type { ReplayRecord, Transition } from './replay.js';
import { inUseSpans, minus, ms, outside, within, type Span, type Trace } from './trace.js';

const HOUR = 3_600_000;

/** When the pod ran with the bot: from the replay's transitions, up to the end of the trace. */
export function runningWithBot(transitions: readonly Transition[], end: number): Span[] {
  const spans: Span[] = [];
  let from: number | null = null;
  for (const transition of transitions) {
    if (transition.status === 'RUNNING' && from === null) from = transition.at;
    else if (transition.status !== 'RUNNING' && from !== null) {
      spans.push({ from, to: transition.at });
      from = null;
    }
  }
  if (from !== null) spans.push({ from, to: end });
  return spans;
}

/**
 * When the pod ran without the bot: from every start of a stopped pod until the next stop someone
 * remembers to make. Crashes and failed starts stop nothing; the money never runs out.
 */
export function runningWithoutBot(trace: Trace): Span[] {
  const spans: Span[] = [];
  let from: number | null = null;
  for (const event of trace.events) {
    if (event.kind === 'start' && from === null) from = ms(event.at);
    if (event.kind === 'stop' && from !== null) {
      spans.push({ from, to: ms(event.at) });
      from = null;
    }
  }
  if (from !== null) spans.push({ from, to: ms(trace.end) });
  return spans;
}

/**
 * The bot's idle hours by what ended them: the countdown before an auto-stop (IDLE + WARN after the
 * last use), a gap that ended with someone working again (lunch, a keep), or a person's stop.
 */
export function idleByEnd(running: readonly Span[], inUse: readonly Span[], transitions: readonly Transition[]): { autoStop: number; use: number; person: number } {
  const split = { autoStop: 0, use: 0, person: 0 };
  for (const span of running) {
    for (const part of minus(span, inUse)) {
      const stop = part.to === span.to ? transitions.find((transition) => transition.at === span.to && transition.status !== 'RUNNING') : undefined;
      const key = !stop ? 'use' : stop.cause === 'sampler' ? 'autoStop' : 'person';
      split[key] += (part.to - part.from) / HOUR;
    }
  }
  return split;
}

const hours = (spans: readonly Span[]) => spans.reduce((sum, span) => sum + span.to - span.from, 0) / HOUR;

/** Compute and storage dollars for the trace's pod (running or stopped) and the pods left stopped. */
export function dollars(trace: Trace, running: readonly Span[], costPerHr: number, goneAt: number | null = null): { compute: number; storage: number } {
  const total = (Math.min(goneAt ?? Infinity, ms(trace.end)) - ms(trace.start)) / HOUR;
  const up = hours(running);
  const perHour = (gb: number, perGbMonth: number) => (gb * perGbMonth) / HOURS_PER_MONTH;
  const { pod } = trace;
  const storage =
    up * (perHour(pod.volumeGb, STORAGE_PRICES.volumeRunningPerGbMonth) + perHour(pod.containerDiskGb, STORAGE_PRICES.containerPerGbMonth)) +
    Math.max(0, total - up) * perHour(pod.volumeGb, STORAGE_PRICES.volumeStoppedPerGbMonth) +
    trace.stoppedPods.reduce((sum, stopped) => sum + total * perHour(stopped.volumeGb, STORAGE_PRICES.volumeStoppedPerGbMonth), 0);
  return { compute: up * costPerHr, storage };
}

function when(t: number, zone: string): string {
  return DateTime.fromMillis(t, { zone }).toFormat('ccc d MMM HH:mm');
}

const info = (name: string, value: number, unit: string): Figure => ({ name, value, unit, target: 'no goal: reported', ok: true, info: true });

/** The figures of the issue, each with its goal, from one replay. Pure. */
export function traceFigures(record: ReplayRecord): Figure[] {
  const { trace, settings } = record;
  const zone = trace.timeZone;
  const end = ms(trace.end);
  const inUse = inUseSpans(trace);
  const withBot = runningWithBot(record.transitions, end);
  const withoutBot = runningWithoutBot(trace);
  const figures: Figure[] = [];

  const idleWith = outside(withBot, inUse) / HOUR;
  const idleWithout = outside(withoutBot, inUse) / HOUR;
  const reclaimed = idleWithout > 0 ? (100 * (idleWithout - idleWith)) / idleWithout : null;
  figures.push({
    name: `idle GPU-hours reclaimed (idle ${idleWithout.toFixed(1)} h without the bot → ${idleWith.toFixed(1)} h with it)`,
    value: reclaimed,
    unit: '%',
    target: '≥ 90%',
    ok: reclaimed !== null && reclaimed >= 90,
  });
  const split = idleByEnd(withBot, inUse, record.transitions);
  figures.push(info(`idle hours with the bot that ended in an auto-stop (${split.use.toFixed(1)} h ended with someone working again, ${split.person.toFixed(1)} h with a person's stop)`, split.autoStop, ' h'));

  const autoStops = record.transitions.filter((transition) => transition.status === 'EXITED' && transition.cause === 'sampler');
  const duringUse = autoStops.filter((stop) => within(stop.at, inUse));
  const found = record.interrupted.filter((event) => event.why === 'pod stopped').length;
  figures.push({
    name: `auto-stops while someone was annotating or training (of ${autoStops.length} auto-stops; ${found} times someone found the pod stopped)`,
    value: duringUse.length,
    unit: '',
    target: '0',
    ok: duringUse.length === 0,
  });

  const unnecessary = record.warnings.filter((warning) => warning.outcome === 'activity' || warning.outcome === 'kept');
  const share = record.warnings.length > 0 ? (100 * unnecessary.length) / record.warnings.length : 0;
  figures.push(info(`idle warnings that turned out unnecessary (activity or a keep came before the stop), of ${record.warnings.length}`, unnecessary.length, ` (${share.toFixed(0)}%)`));

  const limitMinutes = (restartMs: number) => settings.idleMinutes + settings.warnMinutes + settings.sampleMinutes + restartMs / 60_000;
  if (record.incidents.length === 0) {
    figures.push(missedFigure('hours billed while MONAI Label was not answering', 'an incident to measure', 'no incident happened in the replay'));
  }
  for (const incident of record.incidents) {
    const stop = record.transitions.find((transition) => transition.at > incident.at && transition.status !== 'RUNNING');
    const until = stop?.at ?? end;
    const restart = record.restarts.find((attempt) => attempt.at >= incident.at && attempt.at <= until);
    const billed = (until - incident.at) / HOUR;
    const limit = limitMinutes(restart?.ms ?? 0);
    figures.push({
      name: `hours billed while MONAI Label was not answering, ${incident.kind} ${when(incident.at, zone)} (restart ${restart ? `${(restart.ms / 60_000).toFixed(1)} min, ${restart.phase}` : 'not asked for'})`,
      value: billed,
      unit: ' h',
      target: `≤ ${(limit / 60).toFixed(2)} h = IDLE ${settings.idleMinutes} + WARN ${settings.warnMinutes} + one sample ${settings.sampleMinutes} + the restart ${((restart?.ms ?? 0) / 60_000).toFixed(1)} min`,
      ok: stop !== undefined && billed * 60 <= limit + 0.01,
    });
  }

  const { runway } = record;
  const lead = runway.zeroAt !== null && runway.firstWarningAt !== null ? (runway.zeroAt - runway.firstWarningAt) / HOUR : 0;
  figures.push({
    name:
      runway.zeroAt === null
        ? 'runway warning lead time: not measured, the starting balance lasted the whole trace'
        : `runway warning lead time (${formatMoney(trace.account.balance)} used up ${when(runway.zeroAt, zone)}; first warning ${runway.firstWarningAt === null ? 'never' : when(runway.firstWarningAt, zone)}${runway.toppedUpAt !== null ? `, credit added ${when(runway.toppedUpAt, zone)}` : ''}${runway.hitZero ? '; the balance REACHED $0' : ''})`,
    value: lead,
    unit: ' h',
    target: '≥ 72 h',
    ok: runway.zeroAt !== null && lead >= 72 && !runway.hitZero,
  });

  const gone = record.transitions.find((transition) => transition.status === 'GONE')?.at ?? null;
  const spentWith = dollars(trace, withBot, record.costPerHr, gone);
  const spentWithout = dollars(trace, withoutBot, record.costPerHr);
  const saved = (with_: number, without: number) => (without > 0 ? `, ${((100 * (with_ - without)) / without).toFixed(0)}%` : '');
  figures.push(info(`compute for the fortnight with the bot (without: ${formatMoney(spentWithout.compute)}${saved(spentWith.compute, spentWithout.compute)})`, spentWith.compute, ' USD'));
  figures.push(info(`storage for the fortnight with the bot (without: ${formatMoney(spentWithout.storage)}${saved(spentWith.storage, spentWithout.storage)}; stopped volumes bill twice the running rate)`, spentWith.storage, ' USD'));
  return figures;
}

/** One line about the trace itself, printed above its figures. */
export function traceSummary(record: ReplayRecord, source: string): string {
  const { trace, settings } = record;
  const inUse = inUseSpans(trace);
  const s = settings;
  return [
    `idle trace: ${source} — ${((ms(trace.end) - ms(trace.start)) / (24 * HOUR)).toFixed(0)} days from ${when(ms(trace.start), trace.timeZone)} (${trace.timeZone}), ${trace.events.length} events, ${inUse.length} stretches of work = ${hours(inUse).toFixed(1)} h in use`,
    `  settings: IDLE_MINUTES=${s.idleMinutes} WARN_MINUTES=${s.warnMinutes} IDLE_GRACE_MINUTES=${s.graceMinutes} SAMPLE_MINUTES=${s.sampleMinutes}; RunPod's simulator billed ${formatMoney(record.billed)} in all`,
  ].join('\n');
}
