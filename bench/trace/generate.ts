import { DateTime } from 'luxon';
import { SIM_GPU_TYPES } from '../../src/runpod/simulator/catalog.js';
import { HOURS_PER_MONTH, STORAGE_PRICES } from '../../src/runpod/pricing.js';
import { seeded } from '../../test/helpers/faults.js';
import { inUseSpans, parseTrace, type Trace, type TraceEvent } from './trace.js';

/**
 * A seeded fortnight of a four-person lab (two radiologists, two students) in New York: weekday
 * annotation sessions with pauses and lunch, a few evening sessions, quiet weekends, training runs,
 * pods left running in the evening and over a weekend, keeps, and the failures of the issue.
 */

const PEOPLE = [
  { id: 'U0ALICE', name: 'alice' },
  { id: 'U0BOB', name: 'bob' },
  { id: 'U0CAROL', name: 'carol' },
  { id: 'U0DAN', name: 'dan' },
];
const RADIOLOGISTS = ['U0ALICE', 'U0BOB'];
const STUDENTS = ['U0CAROL', 'U0DAN'];
const ZONE = 'America/New_York';
const GPU = 'NVIDIA GeForce RTX 4090';
const MINUTE = 60_000;

interface Random {
  (): number;
  between(low: number, high: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(items: readonly T[]): T[];
}

function randomFrom(seed: number): Random {
  const next = seeded(seed);
  const random = (() => next()) as Random;
  random.between = (low, high) => low + (high - low) * next();
  random.pick = (items) => items[Math.floor(next() * items.length)]!;
  random.chance = (p) => next() < p;
  random.shuffle = (items) => {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = Math.floor(next() * (index + 1));
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  };
  return random;
}

interface Session {
  by: string;
  from: number;
  until: number;
  /** Before a seminar or a meeting: a keep, then a long pause in the middle of the session. */
  keep?: { duration: '1h' | '4h'; pauseMinutes: number };
}

/**
 * One person's work in 3D Slicer: /monai start, then study after study — Next Sample, a few
 * Deepgrow clicks (each an inference) while the study is fresh, then 5–40 minutes of painting and
 * review that MONAI Label never hears about, then Submit Label.
 */
function sessionEvents(session: Session, random: Random): TraceEvent[] {
  const iso = (t: number) => new Date(Math.round(t / 1000) * 1000).toISOString();
  const events: TraceEvent[] = [{ kind: 'start', at: iso(session.from), by: session.by }];
  let t = session.from + random.between(1, 4) * MINUTE;
  let end = session.until;
  let studies = 0;
  for (;;) {
    const offsets = Array.from({ length: Math.floor(random() * 5) }, () => random.between(0.5, 4) * MINUTE).sort((a, b) => a - b);
    const length = (offsets.at(-1) ?? 0) + random.between(5, 40) * MINUTE;
    if (t + length > end) break;
    events.push({ kind: 'next-sample', at: iso(t), by: session.by });
    for (const offset of offsets) events.push({ kind: 'infer', at: iso(t + offset), by: session.by });
    events.push({ kind: 'save-label', at: iso(t + length), by: session.by });
    t += length + random.between(0, 3) * MINUTE;
    studies += 1;
    if (session.keep && studies === 2) {
      events.push({ kind: 'keep', at: iso(t), by: session.by, duration: session.keep.duration });
      t += session.keep.pauseMinutes * MINUTE;
      end += session.keep.pauseMinutes * MINUTE;
    }
  }
  return events;
}

export interface GeneratorOptions {
  seed?: number;
  /** Monday the fortnight starts (local date in New York). */
  startDate?: string;
}

export function generateTrace(options: GeneratorOptions = {}): Trace {
  const seed = options.seed ?? 18;
  const random = randomFrom(seed);
  const monday = DateTime.fromISO(options.startDate ?? '2026-11-09', { zone: ZONE }).startOf('day');
  const local = (day: number, hour: number) => monday.plus({ days: day }).startOf('day').plus({ minutes: Math.round(hour * 60) }).toMillis();
  const iso = (t: number) => new Date(Math.round(t / 1000) * 1000).toISOString();
  const weekdays = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11];

  const failedInstallDay = random.pick([1, 2, 3]);
  const crashDay = random.pick([8, 9, 10]);
  const ordinary = weekdays.filter((day) => day !== failedInstallDay && day !== crashDay);
  const shuffled = random.shuffle(ordinary);
  const trainingDays = shuffled.slice(0, 4);
  const eveningDays = shuffled.slice(4).filter((day) => day % 7 !== 4).slice(0, 3);
  const outageDay = shuffled.slice(4).find((day) => day % 7 !== 4) ?? ordinary[0]!;
  const seminarDay = ordinary.filter((day) => day < 5 && !trainingDays.includes(day))[0] ?? ordinary[0]!;
  const meetingDay = ordinary.filter((day) => day > 5 && day !== seminarDay)[0] ?? ordinary.at(-1)!;

  const events: TraceEvent[] = [];
  /** The pod is known to be broken at the end of this day: the first one in next morning stops it first. */
  let brokenOvernight = false;

  for (const day of weekdays) {
    const friday = day % 7 === 4;
    if (day === failedInstallDay) {
      // The morning start brings the pod up, but MONAI Label never starts; the lab gives up for the day and stops it when leaving.
      const by = random.pick(RADIOLOGISTS);
      events.push({ kind: 'start', at: iso(local(day, random.between(9, 10))), by, serverNeverStarts: true });
      events.push({ kind: 'stop', at: iso(local(day, random.between(17, 18))), by });
      continue;
    }
    const sessions: Session[] = [];
    const morning = random.chance(0.6) ? 2 : 1;
    const people = random.shuffle(PEOPLE.map((someone) => someone.id));
    for (const by of people.slice(0, morning)) {
      const from = local(day, random.between(8.75, 10.25));
      sessions.push({ by, from, until: Math.min(from + random.between(60, 200) * MINUTE, local(day, 12.6)) });
    }
    const afternoon = 1 + Math.floor(random() * 3);
    for (const by of [...people].reverse().slice(0, afternoon)) {
      const from = local(day, random.between(13, 14.5));
      sessions.push({ by, from, until: Math.min(from + random.between(60, 240) * MINUTE, local(day, 17.75)) });
    }
    if (day === seminarDay) sessions.at(-1)!.keep = { duration: '4h', pauseMinutes: Math.round(random.between(100, 150)) };
    if (day === meetingDay) sessions[0]!.keep = { duration: '1h', pauseMinutes: Math.round(random.between(50, 70)) };

    let dayEvents = sessions.flatMap((session) => sessionEvents(session, random));
    let crashAt: number | null = null;
    if (day === crashDay) {
      // Mid-afternoon MONAI Label dies; whoever was working stops there, nobody tries again today.
      crashAt = local(day, random.between(14, 15.5));
      dayEvents = dayEvents.filter((event) => Date.parse(event.at) < crashAt!);
      dayEvents.push({ kind: 'crash', at: iso(crashAt) });
    }
    if (brokenOvernight) {
      const first = dayEvents.reduce((earliest, event) => (Date.parse(event.at) < Date.parse(earliest.at) ? event : earliest));
      dayEvents.push({ kind: 'stop', at: iso(Date.parse(first.at) - random.between(2, 10) * MINUTE), by: 'by' in first ? first.by : PEOPLE[0]!.id });
      brokenOvernight = false;
    }

    let last = Math.max(...dayEvents.map((event) => Date.parse(event.at)));
    const lastBy = [...dayEvents].reverse().find((event) => 'by' in event && Date.parse(event.at) === last);
    let training: number | null = null;
    if (trainingDays.includes(day) && crashAt === null) {
      // A student starts a training run as they leave (one of them over lunch instead).
      const overLunch = trainingDays.indexOf(day) === 0;
      const by = random.pick(STUDENTS);
      const start = overLunch ? local(day, random.between(11.5, 12.25)) : last + random.between(2, 8) * MINUTE;
      const minutes = Math.round(overLunch ? random.between(60, 120) : random.between(60, 360));
      dayEvents.push({ kind: 'start', at: iso(start - MINUTE), by }, { kind: 'train', at: iso(start), by, minutes });
      training = start + minutes * MINUTE;
      if (!overLunch) last = start;
    }
    events.push(...dayEvents);

    if (crashAt !== null) {
      brokenOvernight = true;
      continue;
    }
    const stillTraining = training !== null && training > last + 10 * MINUTE;
    // Forgotten more often on Fridays; a training run still going is never stopped by hand. On the
    // outage day the pod is forgotten and RunPod's API goes down while its idle countdown runs.
    const remembered = !stillTraining && day !== outageDay && (friday ? day > 7 && random.chance(0.4) : random.chance(0.7));
    if (remembered && lastBy && 'by' in lastBy) events.push({ kind: 'stop', at: iso(last + random.between(2, 10) * MINUTE), by: lastBy.by });
    if (day === outageDay) events.push({ kind: 'runpod-down', at: iso(last + random.between(45, 70) * MINUTE), minutes: 30 });

    if (eveningDays.includes(day)) {
      const by = random.pick(RADIOLOGISTS);
      const from = local(day, random.between(19.5, 20.75));
      const session: Session = { by, from, until: from + random.between(45, 120) * MINUTE };
      const evening = sessionEvents(session, random);
      events.push(...evening);
      if (random.chance(0.5)) events.push({ kind: 'stop', at: iso(Date.parse(evening.at(-1)!.at) + random.between(2, 5) * MINUTE), by });
    }
  }

  const start = monday.toMillis();
  const draft: Trace = {
    version: 1,
    description:
      'A fortnight of a four-person lab: weekday annotation sessions (pauses, lunch), evening sessions, quiet weekends, training runs, pods forgotten in the evening and over a weekend, keeps, a failed install, a MONAI Label crash, a RunPod API outage and a balance that runs out.',
    seed,
    timeZone: ZONE,
    start: iso(start),
    end: iso(monday.plus({ days: 14 }).toMillis()),
    people: PEOPLE,
    sessionGapMinutes: 45,
    pod: { name: 'monai-label', gpuTypeId: GPU, volumeGb: 30, containerDiskGb: 10 },
    stoppedPods: [{ name: 'liver-seg-2025', volumeGb: 50, stoppedAt: iso(monday.minus({ days: 10 }).plus({ hours: 17 }).toMillis()) }],
    account: { balance: 0, topUp: { amount: 100, hoursAfterWarning: 24 } },
    events,
  };
  const trace = parseTrace(draft);
  return { ...trace, account: { ...trace.account, balance: runsOutBy(trace, start + 9 * 24 * 3_600_000) } };
}

/**
 * A balance that, at the spend the lab will show, runs out in the second week: what the pod's
 * hours in use (plus a 75-minute idle tail each day it was used) and the stopped volume cost
 * over the first nine days.
 */
function runsOutBy(trace: Trace, until: number): number {
  const costPerHr = SIM_GPU_TYPES.find((gpu) => gpu.id === trace.pod.gpuTypeId)?.communityPrice ?? 0.69;
  const spans = inUseSpans(trace).filter((span) => span.from < until);
  const hours = spans.reduce((sum, span) => sum + (Math.min(span.to, until) - span.from), 0) / 3_600_000;
  const days = new Set(spans.map((span) => new Date(span.from).toISOString().slice(0, 10))).size;
  const storage = (trace.stoppedPods.reduce((sum, pod) => sum + pod.volumeGb, trace.pod.volumeGb) * STORAGE_PRICES.volumeStoppedPerGbMonth) / HOURS_PER_MONTH;
  return Math.round((hours + days * 1.25) * costPerHr + storage * ((until - Date.parse(trace.start)) / 3_600_000));
}

