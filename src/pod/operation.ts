import type { DeviceVerdict } from '../monai/gpu.js';
import type { ErrorCode } from '../errors.js';

export type ConditionType =
  | 'PodExists'
  | 'PodRunning'
  | 'PortsMapped'
  | 'SshReachable'
  | 'MonaiInstalled'
  | 'MonaiStarted'
  | 'MonaiReady'
  | 'GateReady'
  | 'PodStopped';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  /** Short machine-friendly reason, e.g. "Deploying", "ContainerStarting". */
  reason: string;
  /** One sentence for people. */
  message: string;
  since: number;
}

export type OperationKind = 'start' | 'stop' | 'restart' | 'terminate';
export type OperationPhase = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface PodSummary {
  id: string;
  name: string;
  status: string;
  gpu: string | null;
  gpuCount: number;
  costPerHr: number;
  volumeGb: number;
}

export interface OperationResult {
  apiUrl?: string;
  /** Models /info/ lists (MONAI Label answered). */
  models?: string[];
  studies?: number | null;
  /** config.device from /info/; ["cpu"] means torch cannot see the GPU. */
  device?: string[];
  /** Where MONAI Label computes: the GPU's name, or the CPU and why. */
  gpu?: DeviceVerdict;
  monaiVersion?: string;
  /** Set when the pod already ran and nothing had to change. */
  reused?: boolean;
  /** The volumes (GB) of the pods a stop left stopped: each still bills storage. */
  stoppedVolumesGb?: number[];
  /** The pod was terminated (gone, with its volume). */
  terminated?: boolean;
  /** A stop found nothing to stop. */
  nothingToDo?: boolean;
  note?: string;
}

export interface OperationError {
  code: ErrorCode;
  message: string;
  action: string;
  details?: string | undefined;
}

/** Everything a front end needs to render an operation's progress or outcome. */
export interface OperationView {
  id: string;
  kind: OperationKind;
  podName: string;
  phase: OperationPhase;
  requestedBy: string[];
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  conditions: Condition[];
  pod: PodSummary | null;
  result: OperationResult | null;
  error: OperationError | null;
  /** Shown under the steps, e.g. that the bot is restarting and will carry on. */
  note?: string | null;
}

export function setCondition(
  conditions: readonly Condition[],
  type: ConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  now: number,
): Condition[] {
  const existing = conditions.find((condition) => condition.type === type);
  const since = existing && existing.status === status ? existing.since : now;
  const next: Condition = { type, status, reason, message, since };
  return existing ? conditions.map((condition) => (condition.type === type ? next : condition)) : [...conditions, next];
}
