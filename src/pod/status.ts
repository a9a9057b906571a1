import { stoppedStoragePerMonth } from '../costs/math.js';
import type { Account, Pod } from '../runpod/api.js';
import { podEndpoints, secretUrl } from './endpoints.js';
import type { OperationView, PodSummary } from './operation.js';
import { summarizePod } from './request.js';

export type PodState = 'absent' | 'ready' | 'initializing' | 'mapping-ports' | 'stopped' | 'error' | 'other';

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
  /** Other pods with the same name on the account: they bill too, and the bot says so. */
  namesakes: (PodSummary & { foreign: boolean })[];
  /** A deploy RunPod never confirmed: a pod may still appear. */
  unconfirmedDeploySentAt: number | null;
  /** RunPod's own last log lines for a pod in ERROR (redacted), when it has them. */
  runpodLog: readonly string[] | null;
  asOf: number;
  /** From the cost guard: how long it has looked idle, and any keep in force. */
  idle: { idleMinutes: number | null; keptUntil: number | null; keptBy: string | null } | null;
}

export function podState(pod: Pod | null): PodState {
  if (!pod || pod.desiredStatus === 'TERMINATED') return 'absent';
  if (pod.desiredStatus === 'EXITED') return 'stopped';
  if (pod.desiredStatus === 'ERROR') return 'error';
  if (pod.desiredStatus !== 'RUNNING') return 'other';
  if (!pod.runtime) return 'initializing';
  return podEndpoints(pod) ? 'ready' : 'mapping-ports';
}

export function describeStatus(input: {
  podName: string;
  pod: Pod | null;
  namesakes: readonly Pod[];
  /** Namesakes the bot did not deploy and no admin adopted. */
  foreign: ReadonlySet<string>;
  /** The gate's secret path segment: part of the URL shown. */
  gateToken: string;
  unconfirmedDeploySentAt: number | null;
  runpodLog?: readonly string[] | null;
  account: Account | null;
  operation: OperationView | null;
  asOf: number;
  idle: StatusView['idle'];
}): StatusView {
  const { pod } = input;
  const state = podState(pod);
  const endpoints = pod ? podEndpoints(pod) : null;
  return {
    podName: input.podName,
    state,
    pod: pod && state !== 'absent' ? summarizePod(pod) : null,
    apiUrl: endpoints ? secretUrl(endpoints.api, input.gateToken) : null,
    uptimeSeconds: state === 'ready' || state === 'mapping-ports' ? (pod?.runtime?.uptimeSeconds ?? null) : null,
    lastStatusChange: pod?.lastStatusChange ?? null,
    stoppedStoragePerMonth: pod && state === 'stopped' ? stoppedStoragePerMonth(pod.volumeInGb) : null,
    account: input.account,
    operation: input.operation,
    namesakes: input.namesakes.map((pod) => ({ ...summarizePod(pod), foreign: input.foreign.has(pod.id) })),
    unconfirmedDeploySentAt: input.unconfirmedDeploySentAt,
    runpodLog: state === 'error' ? (input.runpodLog ?? null) : null,
    asOf: input.asOf,
    idle: state === 'ready' ? (input.idle ?? null) : null,
  };
}
