import { HOURS_PER_MONTH, STORAGE_PRICES } from '../runpod/pricing.js';
import type { AccountSample, PodSample } from './samples.js';

/** Cost arithmetic. Pure; every figure here is an estimate from samples and list prices. */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** $/hour a stopped volume costs ($0.20/GB/month over a 730-hour month). */
export function stoppedStoragePerHour(volumeGb: number): number {
  return (volumeGb * STORAGE_PRICES.volumeStoppedPerGbMonth) / HOURS_PER_MONTH;
}

export function stoppedStoragePerMonth(volumeGb: number): number {
  return volumeGb * STORAGE_PRICES.volumeStoppedPerGbMonth;
}

/** Hours a pod ran in a window, from samples that each stand for one sampling interval. */
export function hoursIn(samples: readonly PodSample[], predicate: (sample: PodSample) => boolean, intervalMs: number): number {
  return (samples.filter(predicate).length * intervalMs) / HOUR;
}

/** Days the balance lasts at a dollars-per-hour burn; Infinity when nothing burns. */
export function runwayDays(balance: number, perHour: number): number {
  if (perHour <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, balance) / (perHour * 24);
}

/** The account's average burn over the samples (each sample holds until the next one). */
export function averageSpendPerHour(samples: readonly AccountSample[], until: number): number | null {
  if (samples.length === 0) return null;
  let weighted = 0;
  let span = 0;
  samples.forEach((sample, index) => {
    const end = samples[index + 1]?.at ?? until;
    const length = Math.max(0, end - sample.at);
    weighted += sample.spendPerHr * length;
    span += length;
  });
  return span > 0 ? weighted / span : samples.at(-1)!.spendPerHr;
}

/**
 * When a pod stopped, from RunPod's free-text lastStatusChange ("Exited by user: Tue Nov 25 2026
 * 18:02:11 GMT+0000 (…)"), or null when it does not parse.
 */
export function stoppedAt(lastStatusChange: string | null): number | null {
  if (!lastStatusChange) return null;
  const at = lastStatusChange.indexOf(': ');
  if (!/^exited/i.test(lastStatusChange) || at < 0) return null;
  const text = lastStatusChange.slice(at + 2).replace(/\s*\([^)]*\)\s*$/, '');
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : null;
}

/**
 * When a pod stopped, from the sampler's records, for when RunPod does not say (v2): the first
 * EXITED sample after its last one that was not EXITED; when every sample is EXITED, the first
 * sample (the stop is at least that old). Null without samples, or when the last one is not EXITED.
 */
export function stoppedSinceSamples(samples: readonly PodSample[], podId: string): number | null {
  const own = samples.filter((sample) => sample.podId === podId).sort((a, b) => a.at - b.at);
  const lastUp = own.findLastIndex((sample) => sample.status !== 'EXITED');
  return own[lastUp + 1]?.at ?? null;
}
