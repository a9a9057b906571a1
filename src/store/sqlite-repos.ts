import type Database from 'better-sqlite3';
import type { IdleState } from '../costs/idle-policy.js';
import type { AccountSample, PodSample } from '../costs/samples.js';
import type { AuditRepo } from '../audit/audit.js';
import type { ClickRepo, DigestRepo, IdleRepo, SampleRepo } from './store.js';

type Row = Record<string, unknown>;

function toPodSample(row: Row): PodSample {
  return {
    at: Number(row['at']),
    podId: String(row['pod_id']),
    name: String(row['name']),
    status: String(row['status']),
    gpuUtil: row['gpu_util'] === null ? null : Number(row['gpu_util']),
    costPerHr: Number(row['cost_per_hr']),
    volumeGb: Number(row['volume_gb']),
    uptimeSeconds: row['uptime'] === null ? null : Number(row['uptime']),
    idle: row['idle'] === null ? null : row['idle'] === 1,
    activity: (row['activity'] as string | null) ?? null,
    monaiDown: row['monai_down'] === null || row['monai_down'] === undefined ? null : row['monai_down'] === 1,
  };
}

export function sampleRepo(db: Database.Database): SampleRepo {
  const insertPod = db.prepare(`
    INSERT INTO pod_samples (at, pod_id, name, status, gpu_util, cost_per_hr, volume_gb, uptime, idle, activity, monai_down)
    VALUES (@at, @podId, @name, @status, @gpuUtil, @costPerHr, @volumeGb, @uptimeSeconds, @idle, @activity, @monaiDown)`);
  const insertAccount = db.prepare('INSERT INTO account_samples (at, balance, spend_per_hr) VALUES (@at, @balance, @spendPerHr)');
  const add = db.transaction((pods: readonly PodSample[], account: AccountSample | null) => {
    const flag = (value: boolean | null) => (value === null ? null : value ? 1 : 0);
    for (const pod of pods) insertPod.run({ ...pod, idle: flag(pod.idle), monaiDown: flag(pod.monaiDown ?? null) });
    if (account) insertAccount.run(account);
  });
  const pods = db.prepare('SELECT * FROM pod_samples WHERE at >= ? ORDER BY at');
  const accounts = db.prepare('SELECT * FROM account_samples WHERE at >= ? ORDER BY at');
  const prunePods = db.prepare('DELETE FROM pod_samples WHERE at < ?');
  const pruneAccounts = db.prepare('DELETE FROM account_samples WHERE at < ?');
  return {
    add: async (podSamples, account) => {
      add(podSamples, account);
    },
    pods: async (since) => (pods.all(since) as Row[]).map(toPodSample),
    accounts: async (since) =>
      (accounts.all(since) as Row[]).map((row) => ({ at: Number(row['at']), balance: Number(row['balance']), spendPerHr: Number(row['spend_per_hr']) })),
    prune: async (before) => prunePods.run(before).changes + pruneAccounts.run(before).changes,
  };
}

export function idleRepo(db: Database.Database): IdleRepo {
  const get = db.prepare('SELECT state FROM idle_state WHERE pod_id = ?');
  const all = db.prepare('SELECT state FROM idle_state');
  const put = db.prepare(
    'INSERT INTO idle_state (pod_id, state) VALUES (?, ?) ON CONFLICT (pod_id) DO UPDATE SET state = excluded.state',
  );
  const remove = db.prepare('DELETE FROM idle_state WHERE pod_id = ?');
  const parse = (row: Row | undefined) => (row ? (JSON.parse(String(row['state'])) as IdleState) : null);
  return {
    get: async (podId) => parse(get.get(podId) as Row | undefined),
    all: async () => (all.all() as Row[]).map((row) => parse(row)!),
    put: async (state) => {
      put.run(state.podId, JSON.stringify(state));
    },
    delete: async (podId) => {
      remove.run(podId);
    },
  };
}

export function digestRepo(db: Database.Database): DigestRepo {
  const last = db.prepare('SELECT * FROM digests ORDER BY scheduled_for DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO digests (scheduled_for, sent_at, channel, ts) VALUES (@scheduledFor, @sentAt, @channel, @ts)');
  return {
    last: async () => {
      const row = last.get() as Row | undefined;
      return row
        ? { scheduledFor: Number(row['scheduled_for']), sentAt: Number(row['sent_at']), channel: (row['channel'] as string | null) ?? null, ts: (row['ts'] as string | null) ?? null }
        : null;
    },
    record: async (digest) => {
      insert.run(digest);
    },
  };
}

export function auditRepo(db: Database.Database): AuditRepo {
  const insert = db.prepare(`
    INSERT INTO audit (at, actor, channel, kind, text, pod_id, outcome, duration_ms)
    VALUES (@at, @actor, @channel, @kind, @text, @podId, @outcome, @durationMs)`);
  const recent = db.prepare('SELECT * FROM audit ORDER BY at DESC, id DESC LIMIT ?');
  return {
    add: async (entry) => {
      insert.run(entry);
    },
    recent: async (limit) =>
      (recent.all(limit) as Row[]).map((row) => ({
        at: Number(row['at']),
        actor: String(row['actor']),
        channel: (row['channel'] as string | null) ?? null,
        kind: row['kind'] as 'command' | 'button' | 'auto',
        text: String(row['text']),
        podId: (row['pod_id'] as string | null) ?? null,
        outcome: String(row['outcome']),
        durationMs: Number(row['duration_ms']),
      })),
  };
}

export function clickRepo(db: Database.Database): ClickRepo {
  const insert = db.prepare('INSERT OR IGNORE INTO button_clicks (key, user, at) VALUES (?, ?, ?)');
  const get = db.prepare('SELECT user, at FROM button_clicks WHERE key = ?');
  return {
    claim: async (key, user, at) => {
      if (insert.run(key, user, at).changes > 0) return null;
      const row = get.get(key) as Row;
      return { user: String(row['user']), at: Number(row['at']) };
    },
  };
}
