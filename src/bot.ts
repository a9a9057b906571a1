import { randomUUID } from 'node:crypto';
import { CommandRouter } from './commands/router.js';
import type { Config } from './config/load.js';
import type { Logger } from './log.js';
import type { MonaiApi } from './monai/api.js';
import { monaiAfterReady } from './monai/bring-up.js';
import { HttpMonaiApi } from './monai/http-client.js';
import { readServerLog } from './monai/logs.js';
import { PodController } from './pod/controller.js';
import type { AfterReady, LifecycleDeps } from './pod/start.js';
import type { Redactor } from './redact.js';
import type { RunPodApi } from './runpod/api.js';
import { SnapshotCache } from './runpod/snapshot-cache.js';
import type { KeyPair } from './ssh/keys.js';
import { NodeSshConnector } from './ssh/node-ssh.js';
import type { PodShellConnector } from './ssh/shell.js';
import type { Store } from './store/store.js';
import { Auditor } from './audit/audit.js';
import { CostGuard } from './costs/guard.js';
import { Digests } from './costs/digests.js';
import type { Surface } from './frontend/surface.js';
import { Scheduler } from './jobs/scheduler.js';
import { runDoctor, type CheckResult, type DoctorDeps } from './doctor/doctor.js';
import { homeView } from './messages/home.js';
import { systemClock, type Clock } from './util/clock.js';

export interface BotDeps {
  config: Config;
  logger: Logger;
  redactor: Redactor;
  runpod: RunPodApi;
  store: Store;
  /** The bot's SSH identity: its public key goes onto new pods. */
  sshKey: KeyPair;
  /** Defaults to node-ssh with the bot's key. */
  connector?: PodShellConnector;
  monaiApi?: MonaiApi;
  clock?: Clock;
  newId?: () => string;
  /** Minimum time between edits of one progress message (Slack allows about one per second). */
  progressIntervalMs?: number;
  statusMaxAgeMs?: number;
  /** Counts commands run on pods (benchmarks). */
  onSshRun?: () => void;
  /** What follows a pod that runs with its ports mapped; MONAI Label's bring-up by default. */
  afterReady?: AfterReady;
}

export interface Bot {
  router: CommandRouter;
  controller: PodController;
  snapshots: SnapshotCache;
  lifecycle: LifecycleDeps;
  connector: PodShellConnector;
  guard: CostGuard;
  digests: Digests;
  auditor: Auditor;
  /** The App Home tab as it should look now. */
  home(): Promise<ReturnType<typeof homeView>>;
  doctor(report: (results: readonly CheckResult[]) => void, overrides?: Partial<DoctorDeps>): Promise<CheckResult[]>;
  /** The sampler and the digest, once a front end gives them somewhere to talk (digests and stray warnings go to `channel`). */
  scheduler(surface: Surface, channel: string | undefined): Scheduler;
}

/** The services, wired from configuration and adapters; front ends sit on top. */
export function createBot(deps: BotDeps): Bot {
  const { config, store } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger;
  const snapshots = new SnapshotCache(deps.runpod, clock);
  const connector =
    deps.connector ??
    new NodeSshConnector({
      privateKey: deps.sshKey.privateKey,
      user: config.ssh.user,
      hostKeys: store.hostKeys,
      clock,
      logger: logger.child({ component: 'ssh' }),
      connectTimeoutMs: config.ssh.connectTimeoutMs,
      ...(deps.onSshRun ? { onRun: deps.onSshRun } : {}),
    });
  const volume = config.pod.volumeMountPath;
  const monaiApi = deps.monaiApi ?? new HttpMonaiApi();
  const lifecycle: LifecycleDeps = {
    runpod: deps.runpod,
    snapshots,
    store,
    clock,
    logger: logger.child({ component: 'pod' }),
    settings: config.pod,
    // RunPod's images start sshd only when PUBLIC_KEY is set.
    deployEnv: () => ({ PUBLIC_KEY: deps.sshKey.publicKey }),
    afterReady:
      deps.afterReady ??
      monaiAfterReady({
      connector,
      api: monaiApi,
      hostKeys: store.hostKeys,
      clock,
      logger: logger.child({ component: 'monai' }),
      redactor: deps.redactor,
      settings: config.monai,
      volume,
      connectTimeoutMs: config.ssh.connectTimeoutMs,
      }),
  };
  const controller = new PodController({ ...lifecycle, newId: deps.newId ?? (() => randomUUID().slice(0, 8)) });
  const costLogger = logger.child({ component: 'costs' });
  const auditor = new Auditor(store.audit, logger.child({ component: 'audit' }), deps.redactor, clock);
  const guard = new CostGuard({
    snapshots,
    store,
    monai: monaiApi,
    controller,
    clock,
    logger: costLogger,
    settings: config.costs,
    podName: config.pod.name,
    auditor,
  });
  const digests = new Digests({ snapshots, store, clock, logger: costLogger, settings: config.costs, podName: config.pod.name });
  const doctor = (report: (results: readonly CheckResult[]) => void, overrides: Partial<DoctorDeps> = {}) =>
    runDoctor(
      {
        runpod: deps.runpod,
        store,
        connector,
        monai: monaiApi,
        redactor: deps.redactor,
        podName: config.pod.name,
        volume,
        dicomwebUrl: config.monai.dicomwebUrl,
        defaultModels: config.monai.models,
        minFreeGb: config.monai.doctorMinFreeGb,
        ...overrides,
      },
      report,
    );
  const router = new CommandRouter({
    controller,
    snapshots,
    store,
    settings: config.pod,
    access: config.access,
    auditor,
    clock,
    logger: logger.child({ component: 'commands' }),
    progressIntervalMs: deps.progressIntervalMs ?? 2000,
    statusMaxAgeMs: deps.statusMaxAgeMs ?? 10_000,
    timeZone: config.costs.timeZone,
    readLog: (lines) =>
      readServerLog({ snapshots, store, connector, redactor: deps.redactor, podName: config.pod.name, volume }, lines),
    keep: (surface, user, duration) => guard.keep(surface, user, duration),
    costs: () => digests.privateMessage(),
    doctor: (report) => doctor(report),
  });
  return {
    router,
    controller,
    snapshots,
    lifecycle,
    connector,
    guard,
    digests,
    auditor,
    doctor,
    home: async () => homeView(await router.statusView(), await store.operations.recent(8), clock.now(), config.costs.timeZone),
    scheduler: (surface, channel) =>
      new Scheduler({
        guard,
        digests,
        auditor,
        store,
        settings: config.costs,
        clock,
        logger: costLogger,
        digestChannel: channel,
        surface,
      }),
  };
}
