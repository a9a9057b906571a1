import type Database from 'better-sqlite3';
import type { DesiredState } from '../pod/desired.js';
import type { ReconcileMemory } from '../pod/memory.js';
import type { DesiredRepo, PendingDeploy } from './store.js';

type Row = Record<string, unknown>;

export function desiredRepo(db: Database.Database): DesiredRepo {
  const get = db.prepare('SELECT * FROM desired_state WHERE pod_name = ?');
  const put = db.prepare(`
    INSERT INTO desired_state (pod_name, generation, desired, memory, settled, pending_deploy, updated_at)
    VALUES (@podName, @generation, @desired, @memory, @settled, @pendingDeploy, @updatedAt)
    ON CONFLICT (pod_name) DO UPDATE SET generation = excluded.generation, desired = excluded.desired, memory = excluded.memory,
      settled = excluded.settled, pending_deploy = excluded.pending_deploy, updated_at = excluded.updated_at`);
  return {
    get: async (podName) => {
      const row = get.get(podName) as Row | undefined;
      if (!row) return null;
      return {
        desired: JSON.parse(String(row['desired'])) as DesiredState,
        memory: JSON.parse(String(row['memory'])) as ReconcileMemory,
        settled: row['settled'] === 1,
        pendingDeploy: row['pending_deploy'] ? (JSON.parse(String(row['pending_deploy'])) as PendingDeploy) : null,
        updatedAt: Number(row['updated_at']),
      };
    },
    put: async (record) => {
      put.run({
        podName: record.desired.podName,
        generation: record.desired.generation,
        desired: JSON.stringify(record.desired),
        memory: JSON.stringify(record.memory),
        settled: record.settled ? 1 : 0,
        pendingDeploy: record.pendingDeploy ? JSON.stringify(record.pendingDeploy) : null,
        updatedAt: record.updatedAt,
      });
    },
  };
}
