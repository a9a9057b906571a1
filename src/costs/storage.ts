import { HOURS_PER_MONTH, STORAGE_PRICES } from './pricing.js';

/** What a pod's volume costs per month (an estimate: RunPod bills by the second). */
export function storagePerMonth(volumeGb: number, state: 'running' | 'stopped'): number {
  const rate = state === 'stopped' ? STORAGE_PRICES.volumeStoppedPerGbMonth : STORAGE_PRICES.volumeRunningPerGbMonth;
  return volumeGb * rate;
}

export function perMonthToPerHour(perMonth: number): number {
  return perMonth / HOURS_PER_MONTH;
}
