import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration } from '../../src/store/migrations.js';
import { migrate, openSqliteStore } from '../../src/store/sqlite.js';

/**
 * The database survives upgrades of the bot: real SQLite files on disk, migrated from empty, from
 * the previous release's schema (version 3), and refused when they come from a newer bot.
 */
const dir = mkdtempSync(join(tmpdir(), 'monai-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LATEST = MIGRATIONS.at(-1)!.version;
/** Every table the store's repositories read or write. */
const TABLES = ['operations', 'managed_pods', 'meta', 'host_keys', 'pod_samples', 'account_samples', 'idle_state', 'digests', 'audit', 'button_clicks'];

let count = 0;
const freshPath = () => join(dir, `bot-${++count}.sqlite`);
const opened: Database.Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});
function connect(path: string): Database.Database {
  const db = new Database(path);
  opened.push(db);
  return db;
}
const userVersion = (db: Database.Database) => db.pragma('user_version', { simple: true }) as number;
const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map(
    (row) => row.name,
  );
const schema = (db: Database.Database) => db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();

describe('database migrations', () => {
  it('are numbered 1, 2, 3 … with nothing skipped or repeated', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('set up an empty database in order, up to the latest schema, with every table the store uses', () => {
    const db = connect(freshPath());
    expect(migrate(db)).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(userVersion(db)).toBe(LATEST);
    expect(tables(db)).toEqual(expect.arrayContaining(TABLES));
  });

  it('apply nothing when the bot starts again, and keep the data', async () => {
    const path = freshPath();
    const first = openSqliteStore({ path });
    await first.meta.set('owner', 'lab');
    await first.hostKeys.remember({ podId: 'pod1', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', firstSeen: 1 });
    const before = schema(first.db);
    await first.close();

    const db = connect(path);
    expect(migrate(db)).toEqual([]);
    expect(schema(db)).toEqual(before);
    db.close();

    const again = openSqliteStore({ path });
    expect(userVersion(again.db)).toBe(LATEST);
    expect(await again.meta.get('owner')).toBe('lab');
    expect(await again.hostKeys.get('pod1')).toMatchObject({ fingerprint: 'SHA256:abc' });
    await again.close();
  });

  it('upgrade a database from the previous release (schema 3), keeping what it recorded', async () => {
    const path = freshPath();
    const old = connect(path);
    expect(migrate(old, MIGRATIONS.filter((migration) => migration.version <= 3))).toEqual([1, 2, 3]);
    // Rows as the previous release wrote them.
    const view = { id: 'op1', kind: 'start', podName: 'monai-label', phase: 'running', requestedBy: ['U1'], startedAt: 1000, updatedAt: 2000, finishedAt: null, conditions: [], pod: null };
    old.prepare(`INSERT INTO operations (id, kind, pod_name, status, view, memory, params, channel, message_ts, created_at, updated_at)
      VALUES ('op1', 'start', 'monai-label', 'running', ?, '{"deploySent":true}', '{"models":["deepgrow_2d"]}', 'C1', '171.2', 1000, 2000)`).run(JSON.stringify(view));
    old.exec(`
      INSERT INTO managed_pods (pod_name, pod_id, started_by, started_at, started_channel, started_by_name) VALUES ('monai-label', 'pod1', 'U1', 1000, 'C1', 'Ada');
      INSERT INTO host_keys (pod_id, key_type, fingerprint, first_seen) VALUES ('pod1', 'ssh-ed25519', 'SHA256:abc', 1000);
      INSERT INTO pod_samples (at, pod_id, name, status, gpu_util, cost_per_hr, volume_gb, uptime, idle, activity)
        VALUES (3000, 'pod1', 'monai-label', 'RUNNING', 45, 0.69, 30, 600, 0, 'GPU 45%');
      INSERT INTO account_samples (at, balance, spend_per_hr) VALUES (3000, 25, 0.7);
      INSERT INTO idle_state (pod_id, state) VALUES ('pod1', '{"podId":"pod1","idleSince":3000}');
      INSERT INTO digests (scheduled_for, sent_at, channel, ts) VALUES (4000, 4001, 'C1', '172.1');
      INSERT INTO meta (key, value) VALUES ('owner', 'lab');
    `);
    old.close();

    const store = openSqliteStore({ path });
    expect(userVersion(store.db)).toBe(LATEST);
    expect(await store.operations.unfinished()).toEqual([
      {
        id: 'op1', kind: 'start', podName: 'monai-label', status: 'running', view,
        // A request from before schema 5 keeps its kind; what it asked for in detail is not carried on.
        intent: { kind: 'start', models: [], newPod: false }, requesterName: null, channel: 'C1', messageTs: '171.2', createdAt: 1000, updatedAt: 2000,
      },
    ]);
    expect(await store.pods.get('monai-label')).toEqual({ podName: 'monai-label', podId: 'pod1', startedBy: 'U1', startedAt: 1000, startedChannel: 'C1', startedByName: 'Ada' });
    expect(await store.hostKeys.get('pod1')).toEqual({ podId: 'pod1', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', firstSeen: 1000 });
    expect(await store.samples.pods(0)).toEqual([
      { at: 3000, podId: 'pod1', name: 'monai-label', status: 'RUNNING', gpuUtil: 45, costPerHr: 0.69, volumeGb: 30, uptimeSeconds: 600, idle: false, activity: 'GPU 45%', monaiDown: null },
    ]);
    expect(await store.samples.accounts(0)).toEqual([{ at: 3000, balance: 25, spendPerHr: 0.7 }]);
    expect(await store.idle.get('pod1')).toMatchObject({ podId: 'pod1', idleSince: 3000 });
    expect(await store.digests.last()).toEqual({ scheduledFor: 4000, sentAt: 4001, channel: 'C1', ts: '172.1' });
    expect(await store.meta.get('owner')).toBe('lab');

    // What schema 4 added: the audit trail and one-shot buttons.
    const entry = { at: 5000, actor: 'U1', channel: 'C1', kind: 'command' as const, text: '/monai status', podId: 'pod1', outcome: 'ok', durationMs: 12 };
    await store.audit.add(entry);
    expect(await store.audit.recent(20)).toEqual([entry]);
    expect(await store.clicks.claim('stop:op1', 'U1', 5000)).toBeNull();
    expect(await store.clicks.claim('stop:op1', 'U2', 5001)).toEqual({ user: 'U1', at: 5000 });
    // What schema 5 added: a desired state per pod name.
    expect(await store.desired.get('monai-label')).toBeNull();
    await store.close();
  });

  it('refuse a database from a newer bot, saying to upgrade or restore a backup, and leave it as it was', async () => {
    const path = freshPath();
    const newer = openSqliteStore({ path });
    await newer.meta.set('owner', 'lab');
    newer.db.pragma(`user_version = ${LATEST + 1}`);
    await newer.close();
    const before = readFileSync(path);

    expect(() => openSqliteStore({ path })).toThrow(
      `The database is at schema version ${LATEST + 1}, newer than this bot knows (${LATEST}). Upgrade the bot or restore a backup.`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    const db = connect(path);
    expect(userVersion(db)).toBe(LATEST + 1);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'owner'").get()).toEqual({ value: 'lab' });
  });

  it('roll back a migration that fails, leaving the schema version and the data where they were', async () => {
    const path = freshPath();
    const store = openSqliteStore({ path });
    await store.meta.set('owner', 'lab');
    await store.close();
    const broken: Migration = {
      version: LATEST + 1,
      description: 'half valid, then a typo',
      sql: `
        CREATE TABLE notes (id INTEGER PRIMARY KEY);
        ALTER TABLE meta ADD COLUMN note TEXT;
        INSERT INTO no_such_table VALUES (1);
      `,
    };

    expect(() => openSqliteStore({ path, migrations: [...MIGRATIONS, broken] })).toThrow(/no such table: no_such_table/);
    const db = connect(path);
    expect(userVersion(db)).toBe(LATEST);
    expect(tables(db)).not.toContain('notes');
    expect(db.prepare('SELECT * FROM meta WHERE key = ?').get('owner')).toEqual({ key: 'owner', value: 'lab' });
  });
});
