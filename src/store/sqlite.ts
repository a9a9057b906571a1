import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';
import { auditRepo, clickRepo, digestRepo, idleRepo, sampleRepo } from './sqlite-repos.js';
import type { Intent } from '../pod/desired.js';
import { desiredRepo } from './sqlite-desired.js';
import type { ManagedPod, OperationRecord, Store } from './store.js';

type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  path: string;
  migrations?: readonly Migration[];
}

/** Applies pending migrations in one transaction each; returns the versions applied. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `The database is at schema version ${current}, newer than this bot knows (${latest}). Upgrade the bot or restore a backup.`,
    );
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}

/** The params column holds what was asked for; records from before schema 5 hold other shapes. */
function toIntent(kind: OperationRecord['kind'], params: { intent?: Intent }): Intent {
  return params.intent?.kind === kind ? params.intent : kind === 'terminate' ? { kind, podId: '' } : kind === 'stop' ? { kind } : { kind, models: [], newPod: false };
}

function toOperation(row: Row): OperationRecord {
  const kind = row['kind'] as OperationRecord['kind'];
  const params = JSON.parse(String(row['params'])) as { intent?: Intent; requesterName?: string };
  return {
    id: String(row['id']),
    kind,
    podName: String(row['pod_name']),
    status: row['status'] as OperationRecord['status'],
    view: JSON.parse(String(row['view'])) as OperationRecord['view'],
    intent: toIntent(kind, params),
    requesterName: params.requesterName ?? null,
    channel: (row['channel'] as string | null) ?? null,
    messageTs: (row['message_ts'] as string | null) ?? null,
    createdAt: Number(row['created_at']),
    updatedAt: Number(row['updated_at']),
  };
}

const COLUMNS: Record<string, string> = {
  kind: 'kind',
  podName: 'pod_name',
  status: 'status',
  view: 'view',
  channel: 'channel',
  messageTs: 'message_ts',
  updatedAt: 'updated_at',
};

function encode(key: string, value: unknown): unknown {
  return key === 'view' ? JSON.stringify(value) : value;
}

export function openSqliteStore(options: SqliteStoreOptions): Store & { db: Database.Database } {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    // Migrations first: a database this bot must refuse is left exactly as it was (journal mode included).
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations);
    db.pragma('journal_mode = WAL');
  } catch (error) {
    db.close();
    throw error;
  }

  const insertOperation = db.prepare(`
    INSERT INTO operations (id, kind, pod_name, status, view, memory, params, channel, message_ts, created_at, updated_at)
    VALUES (@id, @kind, @podName, @status, @view, @memory, @params, @channel, @messageTs, @createdAt, @updatedAt)`);
  const getOperation = db.prepare('SELECT * FROM operations WHERE id = ?');
  const unfinished = db.prepare("SELECT * FROM operations WHERE status = 'running' ORDER BY created_at");
  const recent = db.prepare('SELECT * FROM operations ORDER BY created_at DESC, rowid DESC LIMIT ?');
  const getPod = db.prepare('SELECT * FROM managed_pods WHERE pod_name = ?');
  const setPod = db.prepare(`
    INSERT INTO managed_pods (pod_name, pod_id, started_by, started_at, started_channel, started_by_name)
    VALUES (@podName, @podId, @startedBy, @startedAt, @startedChannel, @startedByName)
    ON CONFLICT (pod_name) DO UPDATE SET pod_id = excluded.pod_id, started_by = excluded.started_by, started_at = excluded.started_at,
      started_channel = excluded.started_channel, started_by_name = excluded.started_by_name`);
  const getHostKey = db.prepare('SELECT * FROM host_keys WHERE pod_id = ?');
  const putHostKey = db.prepare(`
    INSERT INTO host_keys (pod_id, key_type, fingerprint, first_seen) VALUES (@podId, @keyType, @fingerprint, @firstSeen)
    ON CONFLICT (pod_id) DO UPDATE SET key_type = excluded.key_type, fingerprint = excluded.fingerprint, first_seen = excluded.first_seen`);
  const forgetPod = db.prepare('DELETE FROM managed_pods WHERE pod_name = ? AND pod_id = ?');
  const deleteHostKey = db.prepare('DELETE FROM host_keys WHERE pod_id = ?');
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');

  return {
    db,
    meta: {
      get: async (key) => ((getMeta.get(key) as Row | undefined)?.['value'] as string | undefined) ?? null,
      set: async (key, value) => {
        setMeta.run(key, value);
      },
    },
    operations: {
      insert: async (record) => {
        const { intent, requesterName, ...rest } = record;
        insertOperation.run({
          ...rest,
          view: JSON.stringify(record.view),
          memory: '{}',
          params: JSON.stringify({ intent, ...(requesterName ? { requesterName } : {}) }),
        });
      },
      update: async (id, patch) => {
        const entries = Object.entries(patch).filter(([key]) => key in COLUMNS);
        if (entries.length === 0) return;
        const sets = entries.map(([key]) => `${COLUMNS[key]} = @${key}`).join(', ');
        const values = Object.fromEntries(entries.map(([key, value]) => [key, encode(key, value)]));
        db.prepare(`UPDATE operations SET ${sets} WHERE id = @id`).run({ ...values, id });
      },
      get: async (id) => {
        const row = getOperation.get(id) as Row | undefined;
        return row ? toOperation(row) : null;
      },
      unfinished: async () => (unfinished.all() as Row[]).map(toOperation),
      recent: async (limit) => (recent.all(limit) as Row[]).map(toOperation),
    },
    desired: desiredRepo(db),
    pods: {
      get: async (podName) => {
        const row = getPod.get(podName) as Row | undefined;
        if (!row) return null;
        const pod: ManagedPod = {
          podName: String(row['pod_name']),
          podId: String(row['pod_id']),
          startedBy: (row['started_by'] as string | null) ?? null,
          startedAt: row['started_at'] === null ? null : Number(row['started_at']),
          startedChannel: (row['started_channel'] as string | null) ?? null,
          startedByName: (row['started_by_name'] as string | null) ?? null,
        };
        return pod;
      },
      set: async (pod) => {
        setPod.run({ startedChannel: null, startedByName: null, ...pod });
      },
      forget: async (podName, podId) => {
        forgetPod.run(podName, podId);
      },
    },
    hostKeys: {
      get: async (podId) => {
        const row = getHostKey.get(podId) as Row | undefined;
        return row
          ? { podId, keyType: String(row['key_type']), fingerprint: String(row['fingerprint']), firstSeen: Number(row['first_seen']) }
          : null;
      },
      remember: async (record) => {
        putHostKey.run(record);
      },
      forget: async (podId) => deleteHostKey.run(podId).changes > 0,
    },
    samples: sampleRepo(db),
    idle: idleRepo(db),
    digests: digestRepo(db),
    audit: auditRepo(db),
    clicks: clickRepo(db),
    ping: async () => {
      setMeta.run('last_ping', String(Date.now()));
    },
    close: async () => {
      db.close();
    },
  };
}
