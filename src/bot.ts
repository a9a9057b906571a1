import { randomUUID } from 'node:crypto';
import { guardNotifier } from './app/guard-notifier.js';
import { announceRecovery } from './app/recovery.js';
import { Auditor } from './audit/audit.js';
import { authorize } from './commands/access.js';
import { CommandRouter } from './commands/router.js';
import type { Config } from './config/load.js';
import { CostGuard } from './costs/guard.js';
import { Digests } from './app/digests.js';
import { runDoctor, type CheckResult, type DoctorDeps } from './doctor/doctor.js';
import type { Surface } from './frontend/surface.js';
import { Scheduler } from './jobs/scheduler.js';
import type { Logger } from './log.js';
import { homeView } from './messages/home.js';
import type { MonaiApi } from './monai/api.js';
import { gateConfig } from './monai/gate.js';
import { HttpMonaiApi } from './monai/http-client.js';
import { readServerLog } from './monai/logs.js';
import type { ScriptSettings } from './monai/setup-script.js';
import { BotError } from './errors.js';
import { Actor } from './pod/actor.js';
import type { DecideLimits } from './pod/decide.js';
import { Installation } from './pod/installation.js';
import { Observer } from './pod/observer.js';
import { PodReconciler } from './pod/reconciler.js';
import type { Redactor } from './redact.js';
import type { RunPodApi } from './runpod/api.js';
import { SnapshotCache } from './runpod/snapshot-cache.js';
import type { KeyPair } from './ssh/keys.js';
import { NodeSshConnector } from './ssh/node-ssh.js';
import type { PodShellConnector } from './ssh/shell.js';
import type { Store } from './store/store.js';
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
  /** How long to look for the pod of a deploy whose answer was lost. */
  deployPendingMs?: number;
}

export interface Bot {
  /** Front ends hand every command and button here. */
  router: CommandRouter;
  reconciler: PodReconciler;
  guard: CostGuard;
  digests: Digests;
  snapshots: SnapshotCache;
  /** The bot's mark on its pods, the pods admins adopted, and the secret URL's token. */
  installation: Installation;
  /** The gate configuration wanted now: its token and the digest it names in its answers. */
  gate(): Promise<{ token: string; digest: string }>;
  /** Checks every link from the RunPod key to the DICOMweb server, reporting each result as it comes. */
  doctor(report: (results: readonly CheckResult[]) => void, overrides?: Partial<DoctorDeps>): Promise<CheckResult[]>;
  /** The App Home tab as `user` may see it now (without the URL, buttons and history for someone the bot refuses). */
  home(user: string): Promise<ReturnType<typeof homeView>>;
  /**
   * Gives the bot somewhere to speak unprompted (warnings, digests, recovery) and starts the
   * background work: the reconciler carries on what a previous run left, the sampler and the
   * digest run. Resolves with the work recovery resumed.
   */
  start(surface: Surface, channel: string | undefined, options?: { firstSampleInMs?: number }): Promise<Promise<unknown>[]>;
  /** SIGTERM: pause the work under way where it stands, within `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
  /** The console and tests: wait for the work under way, then stop. */
  close(): Promise<void>;
}

/** A Surface that speaks through whichever front end `start` attached. */
class AttachedSurface implements Surface {
  target: Surface | null = null;

  private get surface(): Surface {
    if (!this.target) throw new BotError('INTERNAL', { message: 'No front end is attached yet.' });
    return this.target;
  }

  post(...args: Parameters<Surface['post']>) {
    return this.surface.post(...args);
  }

  update(...args: Parameters<Surface['update']>) {
    return this.surface.update(...args);
  }

  ephemeral(...args: Parameters<Surface['ephemeral']>) {
    return this.surface.ephemeral(...args);
  }
}

function decideLimits(config: Config, deployPendingMs: number): DecideLimits {
  return {
    gpuTypes: config.pod.gpuTypes,
    monaiVersion: config.monai.version,
    stack: { version: config.monai.version, sam2: config.monai.sam2, imageName: config.pod.imageName, pythonOverride: config.monai.python },
    podReadyMs: config.pod.readyTimeoutMs,
    monaiReadyMs: config.monai.readyTimeoutMs,
    sshConnectMs: config.ssh.connectTimeoutMs,
    deployPendingMs,
    monaiPollMs: config.monai.pollMs,
    resumeAttempts: 3,
    stopAttempts: 3,
    pollsPerStop: 5,
  };
}

/** The services, wired from configuration and adapters; front ends sit on top. */
export function createBot(deps: BotDeps): Bot {
  const { config, store, logger, redactor } = deps;
  const clock = deps.clock ?? systemClock;
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
  // The secret URL is shown to the people allowed to use it, but never written to the log.
  const installation = new Installation({ meta: store.meta, pods: store.pods, podName: config.pod.name, onToken: (token) => redactor.hideInLogs(token) });
  const scriptSettings = (models: readonly string[], gateToken: string): ScriptSettings => {
    const { monai } = config;
    if (!monai.dicomwebUrl) throw new BotError('CONFIG_INVALID', { message: 'DICOMWEB_URL is not set.' });
    return {
      volume,
      python: monai.python,
      version: monai.version,
      models,
      sam2: monai.sam2,
      dicomwebUrl: monai.dicomwebUrl,
      dicomwebUsername: monai.dicomwebUsername,
      dicomwebPassword: monai.dicomwebPassword,
      gate: { token: gateToken, blocked: monai.blockedRoutes },
    };
  };
  const gate = async () => {
    const token = await installation.gateToken();
    return { token, digest: gateConfig({ token, blocked: config.monai.blockedRoutes }).digest };
  };
  const podLogger = logger.child({ component: 'pod' });
  const limits = decideLimits(config, deps.deployPendingMs ?? 120_000);
  // The observer wakes the reconciler, which needs the observer: a late-bound reference.
  const wake = { reconciler: null as PodReconciler | null };
  const observer = new Observer({
    runpod: deps.runpod,
    snapshots,
    monai: monaiApi,
    connector,
    redactor,
    clock,
    logger: podLogger,
    podName: config.pod.name,
    installation,
    scriptSettings,
    sshAttemptBudgetMs: Math.min(10_000, config.ssh.connectTimeoutMs),
    watchMaxMs: config.monai.readyTimeoutMs,
    onWake: () => wake.reconciler?.wakeUp(),
  });
  const actor = new Actor({
    runpod: deps.runpod,
    snapshots,
    store,
    clock,
    logger: podLogger,
    settings: config.pod,
    // RunPod's images start sshd only when PUBLIC_KEY is set.
    deployEnv: () => ({ PUBLIC_KEY: deps.sshKey.publicKey }),
    installation,
    observer,
    pollsPerStop: limits.pollsPerStop,
  });
  const reconciler = new PodReconciler({
    store,
    clock,
    logger: podLogger,
    snapshots,
    observer,
    actor,
    limits,
    podName: config.pod.name,
    podPollMs: config.pod.pollMs,
    monaiPollMs: config.monai.pollMs,
    pendingDeployExpiryMs: 30 * 60_000,
    newId: deps.newId ?? (() => randomUUID().slice(0, 8)),
  });
  wake.reconciler = reconciler;
  const costLogger = logger.child({ component: 'costs' });
  const auditor = new Auditor(store.audit, logger.child({ component: 'audit' }), redactor, clock);
  const speaker = new AttachedSurface();
  const guard = new CostGuard({
    runpod: deps.runpod,
    snapshots,
    store,
    monai: monaiApi,
    control: reconciler,
    installation,
    notifier: guardNotifier(speaker, costLogger, config.costs.timeZone),
    clock,
    logger: costLogger,
    settings: config.costs,
    podName: config.pod.name,
    defaultModels: config.monai.models,
    auditor,
  });
  const digests = new Digests({ snapshots, store, clock, logger: costLogger, settings: config.costs, podName: config.pod.name, installation });
  const doctor = (report: (results: readonly CheckResult[]) => void, overrides: Partial<DoctorDeps> = {}) =>
    runDoctor(
      {
        runpod: deps.runpod,
        store,
        connector,
        monai: monaiApi,
        redactor,
        installation,
        gate,
        podName: config.pod.name,
        volume,
        dicomwebUrl: config.monai.dicomwebUrl,
        models: reconciler.models ?? config.monai.models,
        minFreeGb: config.monai.doctorMinFreeGb,
        ...overrides,
      },
      report,
    );
  const router = new CommandRouter({
    reconciler,
    installation,
    runpod: deps.runpod,
    snapshots,
    store,
    settings: config.pod,
    defaultModels: config.monai.models,
    access: config.access,
    auditor,
    clock,
    logger: logger.child({ component: 'commands' }),
    progressIntervalMs: deps.progressIntervalMs ?? 2000,
    statusMaxAgeMs: deps.statusMaxAgeMs ?? 10_000,
    timeZone: config.costs.timeZone,
    redact: (text) => redactor.redact(text),
    readLog: (lines) => readServerLog({ runpod: deps.runpod, snapshots, store, connector, redactor, installation, podName: config.pod.name, volume }, lines),
    keep: (user, duration) => guard.keep(user, duration),
    costs: () => digests.privateMessage(),
    doctor: (report) => doctor(report),
  });
  let scheduler: Scheduler | null = null;
  return {
    router,
    reconciler,
    guard,
    digests,
    snapshots,
    installation,
    gate,
    doctor,
    home: async (user) => {
      const access = authorize(config.access, { user, channel: '', origin: 'home' }, 'status');
      const history = access.allowed ? await store.operations.recent(8) : [];
      return homeView(await router.statusView(), history, clock.now(), config.costs.timeZone, access.allowed ? null : access.reason);
    },
    async start(surface, channel, options = {}) {
      speaker.target = surface;
      await installation.installationId();
      scheduler = new Scheduler({ guard, digests, auditor, store, settings: config.costs, clock, logger: costLogger, digestChannel: channel, surface });
      await scheduler.start(options.firstSampleInMs);
      const recovered = await reconciler.recover();
      return announceRecovery({ live: router.live, snapshots, store, auditor, clock, logger, surface, channel, podName: config.pod.name }, recovered);
    },
    async shutdown(graceMs) {
      await scheduler?.stop();
      await reconciler.shutdown(graceMs);
    },
    async close() {
      await scheduler?.stop();
      await reconciler.close();
    },
  };
}
