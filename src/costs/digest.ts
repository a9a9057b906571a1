import type { Account, Pod } from '../runpod/api.js';
import type { IdleState } from './idle-policy.js';
import {
  averageSpendPerHour,
  DAY,
  HOUR,
  hoursIn,
  runwayDays,
  stoppedAt,
  stoppedStoragePerHour,
  stoppedStoragePerMonth,
} from './math.js';
import type { AccountSample, PodSample } from './samples.js';

export interface DigestInput {
  now: number;
  pods: readonly Pod[];
  account: Account;
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
  | { kind: 'runway'; days: number; balance: number; spendPerHr: number; withoutNetworkVolume: string[] };

export interface DigestView {
  at: number;
  warnings: DigestWarning[];
  running: RunningRow[];
  stopped: StoppedRow[];
  account: {
    balance: number;
    spendPerHr: number;
    spend24: number;
    avgSpendPerHr7d: number | null;
    runwayDaysNow: number;
    runwayDays7d: number | null;
    /** How long the balance lasts with every pod stopped (only volumes billing). */
    storageFloorDays: number;
    spendLimit: number | null;
  };
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
      const since = stoppedAt(pod.lastStatusChange);
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
  const view: DigestView = {
    at: input.now,
    warnings: [],
    running,
    stopped,
    account: {
      balance: account.balance,
      spendPerHr: account.spendPerHr,
      spend24: running.reduce((sum, row) => sum + row.spend24, 0),
      avgSpendPerHr7d: avg,
      runwayDaysNow: runwayDays(account.balance, account.spendPerHr),
      runwayDays7d: avg === null ? null : runwayDays(account.balance, avg),
      storageFloorDays: runwayDays(account.balance, floorPerHour),
      spendLimit: account.spendLimit,
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
  const runway = Math.min(view.account.runwayDaysNow, view.account.runwayDays7d ?? Number.POSITIVE_INFINITY);
  if (runway < input.runwayWarnDays) {
    view.warnings.push({
      kind: 'runway',
      days: runway,
      balance: account.balance,
      spendPerHr: account.spendPerHr,
      withoutNetworkVolume: input.pods.filter((pod) => !pod.networkVolumeId).map((pod) => pod.name),
    });
  }
  return view;
}
