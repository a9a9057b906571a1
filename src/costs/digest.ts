import type { Account, Pod } from '../runpod/api.js';
import type { IdleState } from './idle-policy.js';
import {
  averageSpendPerHour,
  DAY,
  HOUR,
  hoursIn,
  runwayDays,
  stoppedAt,
  stoppedSinceSamples,
  stoppedStoragePerHour,
  stoppedStoragePerMonth,
} from './math.js';
import type { AccountSample, PodSample } from './samples.js';

export interface DigestInput {
  now: number;
  pods: readonly Pod[];
  /** Null when RunPod did not give the balance (v2 has none; GraphQL failed or is gone). */
  account: Account | null;
  /** The newest balance the sampler stored, for when `account` is null. */
  lastKnownAccount?: AccountSample | null;
  /** The last seven days of samples. */
  podSamples: readonly PodSample[];
  accountSamples: readonly AccountSample[];
  idle: readonly IdleState[];
  /** Who started each pod through the bot, by pod id. */
  startedBy: ReadonlyMap<string, string>;
  /** Pods named like the bot's that it did not deploy and nobody adopted: reported, never configured. */
  foreign: ReadonlySet<string>;
  sampleMs: number;
  staleDays: number;
  runwayWarnDays: number;
}

export interface RunningRow {
  podId: string;
  name: string;
  gpu: string;
  costPerHr: number;
  hoursUp24: number;
  spend24: number;
  idleHours24: number;
  idleCost24: number;
  /** Idle right now, in hours (0 when active or unknown). */
  idleNowHours: number;
  /** Hours in the last 24 in which MONAI Label did not answer while the pod ran, and what they cost. */
  downHours24: number;
  downCost24: number;
  /** Not answering right now, for this long (null: it answers). */
  downNowHours: number | null;
  startedBy: string | null;
  keptBy: string | null;
  keptUntil: number | null;
  networkVolume: boolean;
}

export interface StoppedRow {
  podId: string;
  name: string;
  volumeGb: number;
  storagePerMonth: number;
  daysStopped: number | null;
  networkVolume: boolean;
}

export type DigestWarning =
  | { kind: 'idle'; row: RunningRow }
  | { kind: 'not-answering'; row: RunningRow }
  | { kind: 'stale'; row: StoppedRow }
  | { kind: 'foreign'; podId: string; name: string; status: string; costPerHr: number }
  | { kind: 'runway'; days: number; basis: RunwayBasis; balance: number; spendPerHr: number; withoutNetworkVolume: string[]; estimated: boolean };

/** Which spending rate a runway figure assumes. */
export type RunwayBasis = 'current burn' | '7-day average';

export interface DigestView {
  at: number;
  warnings: DigestWarning[];
  running: RunningRow[];
  stopped: StoppedRow[];
  account: {
    /** RunPod's balance now; when RunPod did not give it, the last known one less the spend since; null when none is known. */
    balance: number | null;
    /** Null when RunPod gave the balance now; otherwise when the last known balance was read (or null with balance). */
    balanceReadAt: number | null;
    unavailable: boolean;
    /** RunPod's spend rate, or (unavailable) the pods' own rates added up. */
    spendPerHr: number;
    spend24: number;
    avgSpendPerHr7d: number | null;
    runwayDaysNow: number | null;
    runwayDays7d: number | null;
    /** The shorter of the two, and which it is: the one figure the summary and its warning quote (null: no balance known). */
    runway: { days: number; basis: RunwayBasis } | null;
    /** How long the balance lasts with every pod stopped (only volumes billing). */
    storageFloorDays: number | null;
    spendLimit: number | null;
  };
}

/**
 * The balance to reason with: RunPod's, or the last one sampled less what the pods have spent
 * since (at the sampled average when there is one). Never a made-up $0.
 */
function knownBalance(input: DigestInput, spendPerHr: number, avg: number | null): { balance: number | null; readAt: number | null } {
  if (input.account) return { balance: input.account.balance, readAt: null };
  const last = input.lastKnownAccount ?? input.accountSamples.at(-1) ?? null;
  if (!last) return { balance: null, readAt: null };
  const spentSince = (Math.max(0, input.now - last.at) / HOUR) * (avg ?? spendPerHr);
  return { balance: Math.max(0, last.balance - spentSince), readAt: last.at };
}

/** Everything the nightly digest and /monai costs show, from one snapshot and the samples. Pure. */
export function buildDigest(input: DigestInput): DigestView {
  const since24 = input.now - DAY;
  const recent = input.podSamples.filter((sample) => sample.at >= since24);
  const idleByPod = new Map(input.idle.map((state) => [state.podId, state]));
  const running: RunningRow[] = [];
  const stopped: StoppedRow[] = [];
  for (const pod of input.pods) {
    const own = recent.filter((sample) => sample.podId === pod.id);
    if (pod.desiredStatus === 'RUNNING') {
      const sampled = hoursIn(own, (sample) => sample.status === 'RUNNING', input.sampleMs);
      const uptimeHours = (pod.runtime?.uptimeSeconds ?? 0) / 3600;
      const hoursUp24 = Math.min(24, Math.max(sampled, uptimeHours));
      const idleHours24 = Math.min(hoursUp24, hoursIn(own, (sample) => sample.idle === true, input.sampleMs));
      const idle = idleByPod.get(pod.id);
      const idleNowHours = idle && idle.unknownSince === null ? Math.max(0, input.now - idle.idleSince) / HOUR : 0;
      const downHours24 = Math.min(hoursUp24, hoursIn(own, (sample) => sample.monaiDown === true, input.sampleMs));
      const downSince = idle?.monaiDownSince ?? null;
      running.push({
        podId: pod.id,
        name: pod.name,
        gpu: `${pod.gpuCount > 1 ? `${pod.gpuCount}× ` : ''}${pod.gpuDisplayName ?? 'GPU'}`,
        costPerHr: pod.costPerHr,
        hoursUp24,
        spend24: hoursUp24 * pod.costPerHr,
        idleHours24,
        idleCost24: idleHours24 * pod.costPerHr,
        idleNowHours,
        downHours24,
        downCost24: downHours24 * pod.costPerHr,
        downNowHours: downSince === null ? null : Math.max(0, input.now - downSince) / HOUR,
        startedBy: input.startedBy.get(pod.id) ?? null,
        keptBy: idle?.lastKeep?.by ?? null,
        keptUntil: idle?.lastKeep?.until ?? null,
        networkVolume: pod.networkVolumeId !== null,
      });
    } else if (pod.desiredStatus === 'EXITED') {
      const since = stoppedAt(pod.lastStatusChange) ?? stoppedSinceSamples(input.podSamples, pod.id);
      stopped.push({
        podId: pod.id,
        name: pod.name,
        volumeGb: pod.volumeInGb,
        storagePerMonth: pod.networkVolumeId ? 0 : stoppedStoragePerMonth(pod.volumeInGb),
        daysStopped: since === null ? null : Math.max(0, (input.now - since) / DAY),
        networkVolume: pod.networkVolumeId !== null,
      });
    }
  }
  running.sort((a, b) => b.idleCost24 - a.idleCost24 || b.costPerHr - a.costPerHr);
  stopped.sort((a, b) => b.storagePerMonth - a.storagePerMonth);

  const { account } = input;
  const avg = averageSpendPerHour(input.accountSamples, input.now);
  const floorPerHour = input.pods.reduce((sum, pod) => sum + (pod.networkVolumeId ? 0 : stoppedStoragePerHour(pod.volumeInGb)), 0);
  const podsPerHour = running.reduce((sum, row) => sum + row.costPerHr, 0) + stopped.reduce((sum, row) => sum + row.storagePerMonth / 730, 0);
  const spendPerHr = account?.spendPerHr ?? podsPerHour;
  const { balance, readAt } = knownBalance(input, spendPerHr, avg);
  const runway = (perHour: number | null) => (balance === null || perHour === null ? null : runwayDays(balance, perHour));
  const view: DigestView = {
    at: input.now,
    warnings: [],
    running,
    stopped,
    account: {
      balance,
      balanceReadAt: readAt,
      unavailable: account === null,
      spendPerHr,
      spend24: running.reduce((sum, row) => sum + row.spend24, 0),
      avgSpendPerHr7d: avg,
      runwayDaysNow: runway(spendPerHr),
      runwayDays7d: runway(avg),
      runway: shorterRunway(runway(spendPerHr), runway(avg)),
      storageFloorDays: runway(floorPerHour),
      spendLimit: account?.spendLimit ?? null,
    },
  };
  // Waste worth a line: a MONAI Label that does not answer, or a pod idle for at least one sampling interval now, or an hour today.
  for (const row of running) {
    if (row.downNowHours !== null || row.downHours24 * HOUR >= input.sampleMs) view.warnings.push({ kind: 'not-answering', row });
    else if (row.idleNowHours * HOUR >= input.sampleMs || row.idleHours24 >= 1) view.warnings.push({ kind: 'idle', row });
  }
  for (const row of stopped) if (row.daysStopped !== null && row.daysStopped > input.staleDays) view.warnings.push({ kind: 'stale', row });
  for (const pod of input.pods) {
    if (input.foreign.has(pod.id)) view.warnings.push({ kind: 'foreign', podId: pod.id, name: pod.name, status: pod.desiredStatus, costPerHr: pod.costPerHr });
  }
  const shorter = view.account.runway;
  if (balance !== null && shorter !== null && shorter.days < input.runwayWarnDays) {
    view.warnings.push({
      kind: 'runway',
      days: shorter.days,
      basis: shorter.basis,
      balance,
      spendPerHr,
      withoutNetworkVolume: input.pods.filter((pod) => !pod.networkVolumeId).map((pod) => pod.name),
      estimated: account === null,
    });
  }
  return view;
}

/** The shorter of the two runways, named by the rate it assumes. */
function shorterRunway(now: number | null, average: number | null): { days: number; basis: RunwayBasis } | null {
  if (now === null) return average === null ? null : { days: average, basis: '7-day average' };
  return average !== null && average < now ? { days: average, basis: '7-day average' } : { days: now, basis: 'current burn' };
}
