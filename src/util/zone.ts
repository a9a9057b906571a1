import { DateTime } from 'luxon';

function minutes(text: string): number {
  const [hours, mins] = text.split(':').map(Number);
  return (hours ?? 0) * 60 + (mins ?? 0);
}

/** Whether `at` falls in a daily local window such as 22:00–07:00 (which wraps midnight). */
export function inWindow(at: number, zone: string, window: { from: string; to: string } | null): boolean {
  if (!window) return false;
  const local = DateTime.fromMillis(at, { zone });
  const now = local.hour * 60 + local.minute;
  const from = minutes(window.from);
  const to = minutes(window.to);
  return from <= to ? now >= from && now < to : now >= from || now < to;
}

/** The next local `hour`:00 strictly after `at` ("keep until tomorrow" → 09:00). */
export function nextLocalHour(at: number, zone: string, hour: number): number {
  const local = DateTime.fromMillis(at, { zone });
  let target = local.set({ hour, minute: 0, second: 0, millisecond: 0 });
  if (target.toMillis() <= at) target = target.plus({ days: 1 });
  return target.toMillis();
}
