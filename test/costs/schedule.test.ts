import { describe, expect, it } from 'vitest';
import { missedDigest, nextRun, previousRun } from '../../src/jobs/scheduler.js';
import { inWindow, nextLocalHour } from '../../src/util/zone.js';

const at = (iso: string) => Date.parse(iso);

describe('the digest schedule', () => {
  it('fires at 19:00 in the lab’s time zone, across a DST change', () => {
    // New York: UTC-4 until 1 Nov 2026, UTC-5 after.
    expect(new Date(nextRun('0 19 * * *', 'America/New_York', at('2026-10-31T12:00:00Z'))).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(new Date(nextRun('0 19 * * *', 'America/New_York', at('2026-11-01T12:00:00Z'))).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(new Date(nextRun('0 19 * * *', 'Europe/Berlin', at('2026-11-28T12:00:00Z'))).toISOString()).toBe('2026-11-28T18:00:00.000Z');
  });

  it('finds the slot that most recently passed', () => {
    expect(new Date(previousRun('0 19 * * *', 'UTC', at('2026-11-28T08:00:00Z'))!).toISOString()).toBe('2026-11-27T19:00:00.000Z');
    expect(new Date(previousRun('30 8 * * 1-5', 'UTC', at('2026-11-29T12:00:00Z'))!).toISOString()).toBe('2026-11-27T08:30:00.000Z');
  });

  it('sends a digest missed while the bot was down, once, and not one from before its first start', () => {
    const previous = at('2026-11-27T19:00:00Z');
    const now = at('2026-11-28T08:00:00Z');
    expect(missedDigest({ previous, lastSentFor: at('2026-11-26T19:00:00Z'), firstStart: at('2026-11-01T00:00:00Z'), now })).toBe(previous);
    expect(missedDigest({ previous, lastSentFor: previous, firstStart: at('2026-11-01T00:00:00Z'), now })).toBeNull();
    expect(missedDigest({ previous, lastSentFor: null, firstStart: at('2026-11-28T07:00:00Z'), now })).toBeNull();
    expect(missedDigest({ previous, lastSentFor: null, firstStart: at('2026-11-01T00:00:00Z'), now: at('2026-11-29T08:00:00Z') })).toBeNull();
  });
});

describe('local time windows', () => {
  it('knows quiet hours that wrap midnight', () => {
    const quiet = { from: '22:00', to: '07:00' };
    expect(inWindow(at('2026-11-28T23:30:00Z'), 'UTC', quiet)).toBe(true);
    expect(inWindow(at('2026-11-28T06:59:00Z'), 'UTC', quiet)).toBe(true);
    expect(inWindow(at('2026-11-28T07:00:00Z'), 'UTC', quiet)).toBe(false);
    expect(inWindow(at('2026-11-28T23:30:00Z'), 'America/New_York', quiet)).toBe(false);
    expect(inWindow(at('2026-11-28T23:30:00Z'), 'UTC', null)).toBe(false);
  });

  it('keeps “until tomorrow” to the next 09:00 local', () => {
    expect(new Date(nextLocalHour(at('2026-11-28T20:00:00Z'), 'America/New_York', 9)).toISOString()).toBe('2026-11-29T14:00:00.000Z');
    expect(new Date(nextLocalHour(at('2026-11-28T05:00:00Z'), 'UTC', 9)).toISOString()).toBe('2026-11-28T09:00:00.000Z');
  });
});
