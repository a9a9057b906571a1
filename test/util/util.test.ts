import { describe, expect, it } from 'vitest';
import { mrkdwnToPlain } from '../../src/console/console.js';
import { ERROR_CATALOG, asBotError, BotError } from '../../src/errors.js';
import { formatDuration, formatMoney } from '../../src/util/format.js';
import { retry } from '../../src/util/retry.js';

describe('retry', () => {
  const clock = { slept: [] as number[], now: () => 0, sleep: async (ms: number) => void clock.slept.push(ms) };

  it('retries what may be retried, waits at least what the server asked, and stops at the bound', async () => {
    clock.slept = [];
    let calls = 0;
    const failure = Object.assign(new Error('busy'), { retryAfter: 5000 });
    await expect(
      retry(
        async () => {
          calls++;
          throw failure;
        },
        { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, shouldRetry: () => true, requestedDelayMs: () => 5000, clock, random: () => 1 },
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([5000, 5000]);
  });

  it('gives up at once on what must not be retried', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error('bad key'); }, { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, shouldRetry: () => false, clock })).rejects.toThrow('bad key');
    expect(calls).toBe(1);
  });
});

describe('errors', () => {
  it('every code says what happened and what to do', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(entry.summary, code).toMatch(/\.$/);
      expect(entry.action.length, code).toBeGreaterThan(10);
    }
  });

  it('unknown failures become INTERNAL without exposing their text', () => {
    const error = asBotError(new TypeError('Cannot read properties of undefined'));
    expect(error).toBeInstanceOf(BotError);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('undefined');
  });
});

describe('formatting', () => {
  it('formats money and durations for people', () => {
    expect(formatMoney(0.69)).toBe('$0.69');
    expect(formatMoney(0.0274)).toBe('$0.027');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(125_000)).toBe('2 min 5s');
    expect(formatDuration(3 * 3_600_000 + 60_000)).toBe('3 h 1 min');
  });

  it('turns Slack mrkdwn into terminal text', () => {
    expect(mrkdwnToPlain('*Bold* <https://x.org|docs> <@U123> &lt;tag&gt;')).toBe('Bold docs (https://x.org) @U123 <tag>');
  });
});
