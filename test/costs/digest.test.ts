import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/costs/digest.js';
import { averageSpendPerHour, runwayDays, stoppedAt, stoppedStoragePerMonth } from '../../src/costs/math.js';
import { digestMessages } from '../../src/messages/costs.js';
import { textOf } from '../helpers/harness.js';
import { digestFixture, NOW } from './digest-fixture.js';

describe('cost math', () => {
  it('prices a stopped volume at $0.20/GB/month', () => {
    expect(stoppedStoragePerMonth(30)).toBeCloseTo(6, 10);
  });

  it('computes runway in days, infinite when nothing burns', () => {
    expect(runwayDays(24, 1)).toBe(1);
    expect(runwayDays(12.4, 0.72)).toBeCloseTo(0.71759, 4);
    expect(runwayDays(10, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(runwayDays(-5, 1)).toBe(0);
  });

  it('weights the average burn by how long each rate held', () => {
    const hour = 3_600_000;
    // 0.10 $/hr for 163 h, then 0.72 $/hr for 5 h.
    expect(averageSpendPerHour([{ at: 0, balance: 0, spendPerHr: 0.1 }, { at: 163 * hour, balance: 0, spendPerHr: 0.72 }], 168 * hour)).toBeCloseTo(19.9 / 168, 10);
    expect(averageSpendPerHour([], 0)).toBeNull();
  });

  it('reads when a pod stopped from RunPod’s free text', () => {
    expect(stoppedAt('Exited by user: Sat Nov 14 2026 10:00:00 GMT+0000 (Coordinated Universal Time)')).toBe(Date.UTC(2026, 10, 14, 10));
    expect(stoppedAt('Exited by Runpod: Fri Jun 19 2026 03:36:49 GMT+0000')).toBe(Date.UTC(2026, 5, 19, 3, 36, 49));
    expect(stoppedAt('Rented by User: Fri Jul 12 2024 15:14:40 GMT-0400 (Eastern Daylight Time)')).toBeNull();
    expect(stoppedAt('Exited by user: sometime')).toBeNull();
  });
});

describe('the digest', () => {
  const view = buildDigest(digestFixture());

  it('computes each running pod’s hours, spend and idle cost', () => {
    expect(view.running).toHaveLength(1);
    const row = view.running[0]!;
    expect(row).toMatchObject({ name: 'monai-label', gpu: 'RTX 4090', costPerHr: 0.69, hoursUp24: 5, startedBy: 'U0ALICE', keptBy: 'U0BOB' });
    expect(row.spend24).toBeCloseTo(3.45, 10);
    expect(row.idleHours24).toBeCloseTo(40 * 5 / 60, 10);
    expect(row.idleCost24).toBeCloseTo(2.3, 10);
    expect(row.idleNowHours).toBeCloseTo(200 / 60, 10);
  });

  it('lists stopped pods with their storage and how long they have been stopped', () => {
    expect(view.stopped.map((row) => [row.name, row.volumeGb, row.storagePerMonth, row.daysStopped])).toEqual([
      ['old-training', 50, 10, 14.375],
      ['scratch', 20, 4, 1],
    ]);
  });

  it('computes balance, burn, runway at both rates and the storage-only floor', () => {
    expect(view.account.balance).toBe(12.4);
    expect(view.account.spendPerHr).toBe(0.72);
    expect(view.account.runwayDaysNow).toBeCloseTo(12.4 / (0.72 * 24), 10);
    expect(view.account.avgSpendPerHr7d).toBeCloseTo(19.9 / 168, 10);
    expect(view.account.runwayDays7d).toBeCloseTo(12.4 / ((19.9 / 168) * 24), 10);
    // 100 GB of volumes at $0.20/GB/month over 730 hours.
    expect(view.account.storageFloorDays).toBeCloseTo(12.4 / ((100 * 0.2) / 730) / 24, 10);
  });

  it('puts warnings first: the idle pod, the stale one, and the runway with RunPod’s $0 rule', () => {
    expect(view.warnings.map((warning) => warning.kind)).toEqual(['idle', 'stale', 'runway']);
    const { summary, details } = digestMessages(view, 'UTC', false);
    expect(textOf(summary).split('\n').slice(1)).toEqual([
      '💰 *RunPod costs — Sat 28 Nov, 19:00* (estimates)',
      '⚠️ *monai-label* is running idle: 3.3 h (≈ $2.30 in 24 h at $0.69/hr). `/monai stop` if nobody needs it.',
      '⚠️ *old-training* has been stopped 14 days; its 50 GB volume still costs $10.00/month. Terminate it if nothing on it is needed (an admin can).',
      '🚨 The balance ($12.40) lasts about 17.2 hours at the current burn. At $0 RunPod stops every pod and *terminates pods without a network volume; their data cannot be recovered* — that would be monai-label, old-training, scratch. Add credit in RunPod → Billing.',
      '  · Running: 1 pod, $0.69/hr · Stopped: 2 pods, $14.00/month storage · Balance $12.40, ≈ 17.2 hours at the current burn · details in the thread',
    ]);
    expect(textOf(details).split('\n').slice(1)).toEqual([
      '*Running pods*',
      '• *monai-label* — RTX 4090 · $0.69/hr · up 5.0 h in 24 h ≈ $3.45 · idle 3.3 h ≈ $2.30 · started by <@U0ALICE> · kept by <@U0BOB> until 16:00',
      '*Stopped pods*',
      '• *old-training* — 50 GB volume · $10.00/month · stopped 14 days',
      '• *scratch* — 20 GB volume · $4.00/month · stopped 24.0 hours',
      '*Account*',
      'Balance $12.40 · spending $0.72/hr now · 7-day average $0.12/hr · ≈ $3.45 on running pods in 24 h',
      'Runway ≈ 17.2 hours at the current burn, ≈ 4.4 days at the 7-day average; storage-only floor ≈ 19 days (every pod stopped, volumes still billing).',
      'Spend limit $80.00/hr.',
      '  · Estimates: $/hr from RunPod, hours from the bot’s samples, storage at $0.20/GB/month over a 730-hour month. RunPod’s billing page is authoritative.',
    ]);
  });

  it('quotes one runway in the summary and its warning, and names the rate it assumes', () => {
    // A pod started an hour ago after a quiet week: the 7-day average burns nothing, the current burn a lot.
    const input = { ...digestFixture(), account: { balance: 24.77, spendPerHr: 0.69, spendLimit: 80 }, accountSamples: [{ at: NOW - 7 * 24 * 3_600_000, balance: 24.77, spendPerHr: 0 }] };
    const quiet = buildDigest(input);
    expect(quiet.account.runway).toEqual({ days: expect.closeTo(24.77 / 0.69 / 24, 10), basis: 'current burn' });
    const summary = textOf(digestMessages(quiet, 'UTC', false).summary);
    expect(summary).toContain('🚨 The balance ($24.77) lasts about 35.9 hours at the current burn.');
    expect(summary).toContain('Balance $24.77, ≈ 35.9 hours at the current burn');
    expect(summary).not.toContain('indefinitely');
  });

  it('says all is well when it is, and names nobody in quiet hours', () => {
    const calm = digestFixture();
    const fine = buildDigest({ ...calm, pods: calm.pods.slice(0, 1), idle: [], podSamples: [], account: { balance: 500, spendPerHr: 0.72, spendLimit: 80 }, accountSamples: [] });
    const { summary, details } = digestMessages(fine, 'America/New_York', true);
    expect(textOf(summary)).toContain('💰 *RunPod costs — Sat 28 Nov, 14:00* (estimates)\n✅ Nothing idle, nothing stale, enough credit.');
    expect(textOf(details)).toContain('started by U0ALICE');
    expect(textOf(details)).not.toContain('<@');
    expect(fine.at).toBe(NOW);
  });
});

describe('the digest when RunPod gives no balance (REST v2 has none; GraphQL failed or is gone)', () => {
  const HOUR = 3_600_000;

  it('says so, estimates from the last known balance with its age, and never shows $0', () => {
    const input = { ...digestFixture(), account: null, lastKnownAccount: { at: NOW - 5 * HOUR, balance: 16, spendPerHr: 0.72 } };
    const view = buildDigest(input);
    // $16 five hours ago, less five hours at the 7-day average ($19.90 over 168 h). Spend now: $0.69/hr running plus $14/month of stopped volumes.
    expect(view.account.balance).toBeCloseTo(16 - 5 * (19.9 / 168), 10);
    expect(view.account).toMatchObject({ unavailable: true, balanceReadAt: NOW - 5 * HOUR, spendLimit: null });
    const { summary, details } = digestMessages(view, 'UTC', false);
    const text = `${textOf(summary)}\n${textOf(details)}`;
    expect(text).toContain('Balance unavailable from RunPod; ≈ $15.41 estimated from the last known balance, read 5 h ago, less the sampled spend since');
    expect(text).toContain('spending $0.71/hr now (the pods’ rates added up)');
    expect(text).not.toContain('$0.00');
    expect(view.warnings.find((warning) => warning.kind === 'runway')).toMatchObject({ estimated: true });
  });

  it('without any balance ever read: no runway, no warning about it, no $0', () => {
    const view = buildDigest({ ...digestFixture(), account: null, accountSamples: [], lastKnownAccount: null });
    expect(view.account).toMatchObject({ balance: null, runwayDaysNow: null, runwayDays7d: null });
    expect(view.warnings.map((warning) => warning.kind)).toEqual(['idle', 'stale']);
    const text = textOf(digestMessages(view, 'UTC', false).details);
    expect(text).toContain('Balance unavailable from RunPod (none read yet)');
    expect(text).toContain('Runway unknown');
    expect(text).not.toContain('$0.00');
  });

  it('dates a stop RunPod does not date (v2) from the samples, so a stale pod is still flagged', () => {
    const base = digestFixture();
    const sample = (at: number, status: string) => ({ at, podId: 'podold00000002', name: 'old-training', status, gpuUtil: null, costPerHr: 1.64, volumeGb: 50, uptimeSeconds: null, idle: null, activity: null, monaiDown: null });
    const podSamples = [sample(NOW - 9 * 24 * HOUR, 'RUNNING'), sample(NOW - 8 * 24 * HOUR, 'EXITED'), sample(NOW - HOUR, 'EXITED'), ...base.podSamples];
    const pods = base.pods.map((pod) => ({ ...pod, lastStatusChange: null }));
    const view = buildDigest({ ...base, pods, podSamples });
    expect(view.stopped.map((row) => [row.name, row.daysStopped])).toEqual([
      ['old-training', 8],
      ['scratch', null],
    ]);
    expect(view.warnings.filter((warning) => warning.kind === 'stale').map((warning) => warning.kind === 'stale' && warning.row.name)).toEqual(['old-training']);
  });
});
