import type { DesiredState, Intent } from '../pod/desired.js';
import type { ReconcileMemory } from '../pod/memory.js';
import type { OperationKind, OperationPhase, OperationView } from '../pod/operation.js';
import type { AuditRepo } from '../audit/audit.js';
import type { IdleState } from '../costs/idle-policy.js';
import type { AccountSample, DigestRecord, PodSample } from '../costs/samples.js';
import type { HostKeyRecord } from '../ssh/shell.js';

/**
 * The bot's state behind a small async interface. SQLite is the embedded default; the methods
 * are async so that a PostgreSQL implementation (one bot for many labs) can slot in unchanged.
 */
export interface OperationRecord {
  id: string;
  kind: OperationKind;
  podName: string;
  status: OperationPhase;
  /** The last rendered state, so a restarted bot can keep editing the same Slack message. */
  view: OperationView;
  /** What was asked for. */
  intent: Intent;
  /** A display name of the first requester, for messages that must not @mention anyone. */
  requesterName: string | null;
  channel: string | null;
  messageTs: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ManagedPod {
  podName: string;
  podId: string;
  startedBy: string | null;
  startedAt: number | null;
  /** Where it was started from: idle warnings go there. */
  startedChannel?: string | null;
  /** A display name, for messages that must not @mention (quiet hours). */
  startedByName?: string | null;
}

export interface OperationRepo {
  insert(record: OperationRecord): Promise<void>;
  update(id: string, patch: Partial<Omit<OperationRecord, 'id' | 'createdAt'>>): Promise<void>;
  get(id: string): Promise<OperationRecord | null>;
  /** Operations that were running when the bot last stopped. */
  unfinished(): Promise<OperationRecord[]>;
  /** The newest operations, newest first. */
  recent(limit: number): Promise<OperationRecord[]>;
}

/** The pinned pod of each name: the one pod the bot works with, by id. */
export interface PodRegistry {
  get(podName: string): Promise<ManagedPod | null>;
  set(pod: ManagedPod): Promise<void>;
  /** Forgets the pin, if it is still `podId` (a newer pin stays). */
  forget(podName: string, podId: string): Promise<void>;
}

/** A deploy RunPod never confirmed: its pod may still appear, carrying `nonce`. */
export interface PendingDeploy {
  nonce: string;
  sentAt: number;
  requestedBy: string;
}

export interface DesiredRecord {
  desired: DesiredState;
  memory: ReconcileMemory;
  /** The reconciler is done with this generation (succeeded, failed, abandoned or replaced). */
  settled: boolean;
  pendingDeploy: PendingDeploy | null;
  updatedAt: number;
}

export interface DesiredRepo {
  get(podName: string): Promise<DesiredRecord | null>;
  put(record: DesiredRecord): Promise<void>;
}

export interface HostKeyRepo {
  get(podId: string): Promise<HostKeyRecord | null>;
  remember(record: HostKeyRecord): Promise<void>;
  forget(podId: string): Promise<boolean>;
}

export interface SampleRepo {
  add(pods: readonly PodSample[], account: AccountSample | null): Promise<void>;
  pods(since: number): Promise<PodSample[]>;
  accounts(since: number): Promise<AccountSample[]>;
  /** Deletes samples older than `before`; returns how many went. */
  prune(before: number): Promise<number>;
}

export interface IdleRepo {
  get(podId: string): Promise<IdleState | null>;
  all(): Promise<IdleState[]>;
  put(state: IdleState): Promise<void>;
  delete(podId: string): Promise<void>;
}

export interface DigestRepo {
  last(): Promise<DigestRecord | null>;
  record(digest: DigestRecord): Promise<void>;
}

export interface ClickRepo {
  /** Claims a button for one use; returns the earlier claim when somebody was first. */
  claim(key: string, user: string, at: number): Promise<{ user: string; at: number } | null>;
}

export interface MetaRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface Store {
  meta: MetaRepo;
  operations: OperationRepo;
  desired: DesiredRepo;
  pods: PodRegistry;
  hostKeys: HostKeyRepo;
  samples: SampleRepo;
  idle: IdleRepo;
  digests: DigestRepo;
  audit: AuditRepo;
  clicks: ClickRepo;
  /** A cheap write, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
