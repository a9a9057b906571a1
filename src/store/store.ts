import type { OperationKind, OperationPhase, OperationView } from '../pod/operation.js';
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
  /** What the loop must remember across a crash (e.g. that a deploy was already sent). */
  memory: Record<string, unknown>;
  params: Record<string, unknown>;
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
}

export interface OperationRepo {
  insert(record: OperationRecord): Promise<void>;
  update(id: string, patch: Partial<Omit<OperationRecord, 'id' | 'createdAt'>>): Promise<void>;
  get(id: string): Promise<OperationRecord | null>;
  /** Operations that were running when the bot last stopped. */
  unfinished(): Promise<OperationRecord[]>;
}

export interface PodRegistry {
  get(podName: string): Promise<ManagedPod | null>;
  set(pod: ManagedPod): Promise<void>;
}

export interface HostKeyRepo {
  get(podId: string): Promise<HostKeyRecord | null>;
  remember(record: HostKeyRecord): Promise<void>;
  forget(podId: string): Promise<boolean>;
}

export interface Store {
  operations: OperationRepo;
  pods: PodRegistry;
  hostKeys: HostKeyRepo;
  /** A cheap write, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
