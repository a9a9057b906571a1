import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE } from '../../bench/idle.js';
import { runningWithoutBot, traceFigures } from '../../bench/trace/figures.js';
import { generateTrace } from '../../bench/trace/generate.js';
import { replay } from '../../bench/trace/replay.js';
import { inUseSpans, ms, parseTrace, type Trace, type TraceEvent } from '../../bench/trace/trace.js';

const HOUR = 3_600_000;

describe('the idle benchmark’s fortnight', () => {
  const trace = generateTrace();
  const local = (event: TraceEvent) => DateTime.fromISO(event.at, { zone: trace.timeZone });

  it('is the same every time, and the file beside the benchmark is that fortnight', () => {
    expect(generateTrace()).toEqual(trace);
    expect(parseTrace(JSON.parse(readFileSync(DEFAULT_TRACE, 'utf8')))).toEqual(trace);
  });

  it('holds every kind of day the issue lists', () => {
    const kinds = (kind: TraceEvent['kind']) => trace.events.filter((event) => event.kind === kind);
    // Quiet weekends, evening sessions, lunch: no work on Saturdays and Sundays, some after 19:00, a gap around noon.
    expect(trace.events.filter((event) => local(event).weekday >= 6)).toEqual([]);
    expect(kinds('next-sample').some((event) => local(event).hour >= 19)).toBe(true);
    // Pauses between Next Sample and Submit Label of 5 to 40 minutes.
    const pauses = kinds('save-label').map((save) => {
      const by = 'by' in save ? save.by : '';
      const before = trace.events.filter((event) => 'by' in event && event.by === by && ms(event.at) < ms(save.at)).at(-1)!;
      return (ms(save.at) - ms(before.at)) / 60_000;
    });
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(40.1);
    expect(Math.max(...pauses)).toBeGreaterThan(30);
    // Training runs of 1 to 6 hours, keeps, a failed start, a crash mid-afternoon, RunPod down for 30 minutes.
    expect(kinds('train').length).toBeGreaterThanOrEqual(3);
    expect(kinds('train').every((event) => event.kind === 'train' && event.minutes >= 60 && event.minutes <= 360)).toBe(true);
    expect(kinds('keep').length).toBeGreaterThanOrEqual(2);
    expect(kinds('start').filter((event) => event.kind === 'start' && event.serverNeverStarts)).toHaveLength(1);
    expect(kinds('crash').map((event) => local(event).hour)).toEqual([expect.toSatisfy((hour: number) => hour >= 14 && hour < 16)]);
    expect(kinds('runpod-down')).toEqual([expect.objectContaining({ minutes: 30 })]);
    // A Friday whose pod nobody stops before Monday, and a pod stopped three weeks by the end.
    const fridays = [4, 11].map((day) => ms(trace.start) + day * 24 * HOUR);
    const forgotten = fridays.filter((friday) => !trace.events.some((event) => event.kind === 'stop' && ms(event.at) > friday && ms(event.at) < friday + 3 * 24 * HOUR));
    expect(forgotten.length).toBeGreaterThanOrEqual(1);
    expect((ms(trace.end) - ms(trace.stoppedPods[0]!.stoppedAt)) / (24 * HOUR)).toBeGreaterThanOrEqual(21);
    // A balance short of the fortnight's hours in use plus a 75-minute idle tail each day of use (the replay measures when it runs out).
    const spans = inUseSpans(trace);
    const inUse = spans.reduce((sum, span) => sum + span.to - span.from, 0) / HOUR;
    const daysUsed = new Set(spans.map((span) => new Date(span.from).toISOString().slice(0, 10))).size;
    expect(trace.account.balance).toBeLessThan((inUse + 1.25 * daysUsed) * 0.69);
  });

  it('refuses a trace it cannot replay, and says why', () => {
    const event = (fields: Record<string, unknown>) => ({ ...trace, events: [{ kind: 'start', at: trace.start, by: 'U0ALICE', ...fields }] });
    expect(() => parseTrace(event({ at: 'Monday morning' }))).toThrow(/ISO 8601/);
    expect(() => parseTrace(event({ by: 'U0NOBODY' }))).toThrow(/U0NOBODY, who is not in people/);
    expect(() => parseTrace({ ...trace, end: trace.start })).toThrow(/ends before it starts/);
  });
});

describe('a replay through the bot', () => {
  it('stops a forgotten pod after IDLE + WARN, and a MONAI Label that crashed costs no more than that and one restart', async () => {
    const zone = 'America/New_York';
    const at = (time: string) => DateTime.fromISO(`2026-11-09T${time}`, { zone }).toUTC().toISO()!;
    const alice = 'U0ALICE';
    const trace: Trace = parseTrace({
      version: 1,
      description: 'one morning',
      seed: 1,
      timeZone: zone,
      start: at('08:00'),
      end: at('14:00'),
      people: [{ id: alice, name: 'alice' }],
      sessionGapMinutes: 45,
      pod: { name: 'monai-label', gpuTypeId: 'NVIDIA GeForce RTX 4090', volumeGb: 30, containerDiskGb: 10 },
      stoppedPods: [],
      account: { balance: 100, topUp: null },
      events: [
        { kind: 'start', at: at('09:00'), by: alice },
        { kind: 'next-sample', at: at('09:03'), by: alice },
        { kind: 'infer', at: at('09:05'), by: alice },
        { kind: 'save-label', at: at('09:38'), by: alice },
        { kind: 'next-sample', at: at('09:40'), by: alice },
        { kind: 'save-label', at: at('10:00'), by: alice },
        // Nobody stops it; half an hour later MONAI Label dies.
        { kind: 'crash', at: at('10:30') },
      ],
    });
    // An hour's idle time, so that the crash falls inside the idle stretch, before the warning.
    const record = await replay(trace, { IDLE_MINUTES: '60' });
    const hhmm = (t: number) => DateTime.fromMillis(t, { zone }).toFormat('HH:mm');

    expect(record.transitions.map((transition) => `${hhmm(transition.at)} ${transition.status} ${transition.cause}`)).toEqual(['09:00 RUNNING command', '11:15 EXITED sampler']);
    expect(record.incidents.map((incident) => `${incident.kind} ${hhmm(incident.at)}`)).toEqual(['crash 10:30']);
    expect(record.restarts).toEqual([expect.objectContaining({ phase: 'failed' })]);
    expect(record.warnings).toEqual([expect.objectContaining({ outcome: 'stopped', notAnswering: true })]);
    expect(runningWithoutBot(trace).map((span) => `${hhmm(span.from)}–${hhmm(span.to)}`)).toEqual(['09:00–14:00']);

    const figures = traceFigures(record);
    const figure = (start: string) => figures.find((candidate) => candidate.name.startsWith(start))!;
    // Idle 10:00–14:00 without the bot, 10:00–11:15 with it.
    expect(figure('idle GPU-hours reclaimed').value).toBeCloseTo(100 * (1 - 1.25 / 4), 5);
    expect(figure('auto-stops while someone was annotating').value).toBe(0);
    expect(figure('hours billed while MONAI Label was not answering, crash').value).toBeCloseTo(0.75, 5);
    expect(figure('hours billed while MONAI Label was not answering, crash').ok).toBe(true);
    expect(figure('runway warning lead time').ok).toBe(false);
  }, 120_000);
});
