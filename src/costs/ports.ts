import type { Intent } from '../pod/desired.js';
import type { OperationView } from '../pod/operation.js';
import type { Requester } from '../pod/reconciler.js';
import type { PendingDeploy } from '../store/store.js';
import type { IdleState } from './idle-policy.js';

/** Where a warning was posted, so it can be edited when the outcome is known. */
export interface PostedRef {
  channel: string;
  ts: string;
}

/** The cost guard's view of the pod's reconciler: it reads, and it only ever says what it wants. */
export interface PodControl {
  readonly pinnedPodId: string | null;
  /** The bot is bringing the pod up right now. */
  readonly busy: boolean;
  /** The models the last start asked for (null: no start yet). */
  readonly models: readonly string[] | null;
  /** What was last wished for the pod (null: nothing yet). */
  readonly lastWish: 'running' | 'stopped' | 'absent' | null;
  /** Who last asked for the pod to run, and when (null: the last wish was not for it to run). */
  readonly runningWish: { by: string; at: number } | null;
  readonly pendingDeploy: PendingDeploy | null;
  want(intent: Intent, requester: Requester): Promise<{ request: { done: Promise<OperationView> } }>;
  adoptLateDeploy(podId: string): Promise<void>;
}

export interface IdleWarningFacts {
  podName: string;
  state: IdleState;
  costPerHr: number;
  volumeGb: number;
  storagePerMonth: number;
  gpuPercent: number;
  autostop: 'warn' | 'stop';
  owner: { id: string | null; name: string | null };
  /** MONAI Label does not answer: the warning says so instead of "no activity". */
  notAnswering: boolean;
  quiet: boolean;
  now: number;
  zone: string;
}

/** How an idle warning ended. */
export type WarningOutcome =
  | { kind: 'activity'; at: number; activity: string }
  | { kind: 'stopped'; at: number; idleMs: number; costPerHr: number; volumeGb: number; storagePerMonth: number }
  | { kind: 'stop-failed'; at: number; reason: string; costPerHr: number; retryMs: number; escalate: boolean }
  | { kind: 'kept'; until: number; by: string };

/** Things the guard tells the channel that are not about one warning. */
export type GuardNotice =
  | {
      kind: 'monai-down';
      podName: string;
      podId: string;
      since: number;
      reason: string;
      costPerHr: number;
      owner: { id: string | null; name: string | null };
      /** The bot asked for one restart of MONAI Label. */
      restarting: boolean;
      quiet: boolean;
    }
  | { kind: 'monai-back'; podName: string; podId: string; downMs: number }
  | { kind: 'monai-restart-failed'; podName: string; reason: string }
  | { kind: 'late-deploy'; podName: string; podId: string; costPerHr: number; sentAt: number };

/** How the guard speaks: implemented by the front ends (Slack, the console). */
export interface GuardNotifier {
  /** Posts an idle warning; null when it could not be posted. */
  idleWarning(channel: string, facts: IdleWarningFacts): Promise<PostedRef | null>;
  /** Edits a warning to say how it ended, and says the same in its thread. */
  warningOutcome(ref: PostedRef, podName: string, outcome: WarningOutcome): Promise<void>;
  notice(channel: string, notice: GuardNotice): Promise<void>;
}
