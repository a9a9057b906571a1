/**
 * Versioned schema changes, applied in order on start. The database's user_version says which
 * have run. Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'operations and the managed-pod registry',
    sql: `
      CREATE TABLE operations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        pod_name TEXT NOT NULL,
        status TEXT NOT NULL,
        view TEXT NOT NULL,
        memory TEXT NOT NULL,
        params TEXT NOT NULL,
        channel TEXT,
        message_ts TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX operations_status ON operations (status);
      CREATE TABLE managed_pods (
        pod_name TEXT PRIMARY KEY,
        pod_id TEXT NOT NULL,
        started_by TEXT,
        started_at INTEGER
      );
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    description: 'SSH host keys remembered per pod',
    sql: `
      CREATE TABLE host_keys (
        pod_id TEXT PRIMARY KEY,
        key_type TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        first_seen INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'cost guard: samples, idle state, digests, who started the pod and where',
    sql: `
      CREATE TABLE pod_samples (
        at INTEGER NOT NULL,
        pod_id TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        gpu_util INTEGER,
        cost_per_hr REAL NOT NULL,
        volume_gb REAL NOT NULL,
        uptime INTEGER,
        idle INTEGER,
        activity TEXT
      );
      CREATE INDEX pod_samples_at ON pod_samples (at);
      CREATE INDEX pod_samples_pod ON pod_samples (pod_id, at);
      CREATE TABLE account_samples (at INTEGER NOT NULL, balance REAL NOT NULL, spend_per_hr REAL NOT NULL);
      CREATE INDEX account_samples_at ON account_samples (at);
      CREATE TABLE idle_state (pod_id TEXT PRIMARY KEY, state TEXT NOT NULL);
      CREATE TABLE digests (scheduled_for INTEGER NOT NULL, sent_at INTEGER NOT NULL, channel TEXT, ts TEXT);
      ALTER TABLE managed_pods ADD COLUMN started_channel TEXT;
      ALTER TABLE managed_pods ADD COLUMN started_by_name TEXT;
    `,
  },
  {
    version: 4,
    description: 'audit trail and one-shot buttons',
    sql: `
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        channel TEXT,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        pod_id TEXT,
        outcome TEXT NOT NULL,
        duration_ms INTEGER NOT NULL
      );
      CREATE INDEX audit_at ON audit (at);
      CREATE TABLE button_clicks (key TEXT PRIMARY KEY, user TEXT NOT NULL, at INTEGER NOT NULL);
    `,
  },
  {
    version: 5,
    description: 'desired state per pod name, and MONAI Label not answering in the samples',
    sql: `
      CREATE TABLE desired_state (
        pod_name TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        desired TEXT NOT NULL,
        memory TEXT NOT NULL,
        settled INTEGER NOT NULL,
        pending_deploy TEXT,
        updated_at INTEGER NOT NULL
      );
      ALTER TABLE pod_samples ADD COLUMN monai_down INTEGER;
    `,
  },
];
