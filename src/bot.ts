import { randomUUID } from 'node:crypto';
import { CommandRouter } from './commands/router.js';
import type { Config } from './config/load.js';
import type { Logger } from './log.js';
import { PodController } from './pod/controller.js';
import { defaultAfterReady, type LifecycleDeps } from './pod/start.js';
import type { Redactor } from './redact.js';
import type { RunPodApi } from './runpod/api.js';
import { SnapshotCache } from './runpod/snapshot-cache.js';
import type { Store } from './store/store.js';
import { systemClock, type Clock } from './util/clock.js';

export interface BotDeps {
  config: Config;
  logger: Logger;
  redactor: Redactor;
  runpod: RunPodApi;
  store: Store;
  clock?: Clock;
  newId?: () => string;
  /** Minimum time between edits of one progress message (Slack allows about one per second). */
  progressIntervalMs?: number;
  statusMaxAgeMs?: number;
}

export interface Bot {
  router: CommandRouter;
  controller: PodController;
  snapshots: SnapshotCache;
  lifecycle: LifecycleDeps;
}

/** The services, wired from configuration and adapters; front ends sit on top. */
export function createBot(deps: BotDeps): Bot {
  const clock = deps.clock ?? systemClock;
  const snapshots = new SnapshotCache(deps.runpod, clock);
  const lifecycle: LifecycleDeps = {
    runpod: deps.runpod,
    snapshots,
    store: deps.store,
    clock,
    logger: deps.logger.child({ component: 'pod' }),
    settings: deps.config.pod,
    deployEnv: () => ({}),
    afterReady: defaultAfterReady,
  };
  const controller = new PodController({ ...lifecycle, newId: deps.newId ?? (() => randomUUID().slice(0, 8)) });
  const router = new CommandRouter({
    controller,
    snapshots,
    store: deps.store,
    settings: deps.config.pod,
    clock,
    logger: deps.logger.child({ component: 'commands' }),
    progressIntervalMs: deps.progressIntervalMs ?? 2000,
    statusMaxAgeMs: deps.statusMaxAgeMs ?? 10_000,
  });
  return { router, controller, snapshots, lifecycle };
}
