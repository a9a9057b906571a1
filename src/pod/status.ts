import { storagePerMonth } from '../costs/storage.js';
import type { Account, Pod } from '../runpod/api.js';
import { apiUrl, podEndpoints } from './endpoints.js';
import type { OperationView, PodSummary } from './operation.js';
import { summarizePod } from './running-operation.js';

export type PodState = 'absent' | 'ready' | 'initializing' | 'mapping-ports' | 'stopped' | 'other';

export interface StatusView {
  podName: string;
  state: PodState;
  pod: PodSummary | null;
  apiUrl: string | null;
  uptimeSeconds: number | null;
  /** Free text from RunPod, e.g. "Exited by user: Tue Nov 25 2026 …". */
  lastStatusChange: string | null;
  stoppedStoragePerMonth: number | null;
  account: Account | null;
  operation: OperationView | null;
  asOf: number;
  /** From the cost guard: how long it has looked idle, and any keep in force. */
  idle: { idleMinutes: number | null; keptUntil: number | null; keptBy: string | null } | null;
}

export function podState(pod: Pod | null): PodState {
  if (!pod || pod.desiredStatus === 'TERMINATED') return 'absent';
  if (pod.desiredStatus === 'EXITED') return 'stopped';
  if (pod.desiredStatus !== 'RUNNING') return 'other';
  if (!pod.runtime) return 'initializing';
  return podEndpoints(pod) ? 'ready' : 'mapping-ports';
}

export function describeStatus(input: {
  podName: string;
  pod: Pod | null;
  account: Account | null;
  operation: OperationView | null;
  asOf: number;
  /** From the cost guard: how long it has looked idle, and any keep in force. */
  idle: { idleMinutes: number | null; keptUntil: number | null; keptBy: string | null } | null;
}): StatusView {
  const { pod } = input;
  const state = podState(pod);
  const endpoints = pod ? podEndpoints(pod) : null;
  return {
    podName: input.podName,
    state,
    pod: pod && state !== 'absent' ? summarizePod(pod) : null,
    apiUrl: endpoints ? apiUrl(endpoints.api) : null,
    uptimeSeconds: state === 'ready' || state === 'mapping-ports' ? pod?.runtime?.uptimeSeconds ?? null : null,
    lastStatusChange: pod?.lastStatusChange ?? null,
    stoppedStoragePerMonth: pod && state === 'stopped' ? storagePerMonth(pod.volumeInGb, 'stopped') : null,
    account: input.account,
    operation: input.operation,
    asOf: input.asOf,
    idle: state === 'ready' ? input.idle ?? null : null,
  };
}
