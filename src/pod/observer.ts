import { asBotError, isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MonaiApi } from '../monai/api.js';
import { gateConfig } from '../monai/gate.js';
import { MonaiOnPod, type ServerWatch } from '../monai/on-pod.js';
import type { GateFacts, ServerFacts, VolumeFacts } from '../monai/pod-facts.js';
import type { ScriptSettings } from '../monai/setup-script.js';
import type { Redactor } from '../redact.js';
import type { Pod, RunPodApi } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { PodShell, PodShellConnector } from '../ssh/shell.js';
import type { Clock } from '../util/clock.js';
import { monaiReady } from './decide-monai.js';
import type { DesiredState } from './desired.js';
import { podEndpoints, runtimeIsCurrent, secretBase, secretUrl, type PodEndpoints } from './endpoints.js';
import { namesakesOf } from './identity.js';
import { isOurs, type Installation } from './installation.js';
import type { ReconcileMemory } from './memory.js';
import type { MonaiObservation, Observation, PodReading } from './observation.js';

export interface ObserverDeps {
  runpod: RunPodApi;
  snapshots: SnapshotCache;
  monai: MonaiApi;
  connector: PodShellConnector;
  redactor: Redactor;
  clock: Clock;
  logger: Logger;
  podName: string;
  /** The bot's mark, adoptions and the gate's secret path. */
  installation: Installation;
  scriptSettings: (models: readonly string[], gateToken: string) => ScriptSettings;
  /** One SSH connection attempt chain before the pod is read again (its ports may have changed). */
  sshAttemptBudgetMs: number;
  /** How long a log watch may stream. */
  watchMaxMs: number;
  /** The log says something the loop should look at now (listening, or failed). */
  onWake: () => void;
}

/** One SSH connection to one container, and what was learned over it. */
class PodSession {
  shell: PodShell | null = null;
  agent: MonaiOnPod | null = null;
  /** The settings the agent's scripts are made from: other models or a new token need a new agent. */
  settingsKey: string | null = null;
  volume: VolumeFacts | null = null;
  server: ServerFacts | null = null;
  gate: GateFacts | null = null;
  watch: ServerWatch | null = null;

  constructor(
    readonly podId: string,
    readonly sshAddress: string,
  ) {}

  async close(): Promise<void> {
    await this.watch?.stop();
    this.watch = null;
    this.shell?.close();
    this.shell = null;
  }
}

/**
 * Reads the world for the reconciler, cheapest facts first, and only what the next decision can
 * need: the pinned pod by its id (never a same-named substitute), a listing only when the
 * decision looks at other pods of the name, MONAI Label only on a ready pod.
 */
export class Observer {
  private session: PodSession | null = null;

  constructor(private readonly deps: ObserverDeps) {}

  async observe(desired: DesiredState, memory: ReconcileMemory, unconfirmedDeploy: { nonce: string; sentAt: number } | null, signal: AbortSignal): Promise<Observation> {
    const { deps } = this;
    const at = deps.clock.now();
    const pod: PodReading = desired.podId
      ? { kind: 'pinned', podId: desired.podId, pod: await deps.runpod.getPod(desired.podId, signal) }
      : { kind: 'unpinned' };
    const needsListing = desired.phase === 'stopped' || pod.kind === 'unpinned';
    const namesakes = needsListing ? namesakesOf((await deps.snapshots.fetch(signal)).pods, deps.podName, desired.podId) : null;
    // Every stop the bot sent is read back by the pod's own id before it counts.
    const stopped = new Map<string, Pod | null>();
    for (const podId of Object.keys(memory.stops)) {
      stopped.set(podId, pod.kind === 'pinned' && pod.podId === podId ? pod.pod : await deps.runpod.getPod(podId, signal));
    }
    const ownership = await deps.installation.ownership();
    const live = pod.kind === 'pinned' ? pod.pod : null;
    const endpoints = live && live.desiredStatus === 'RUNNING' && runtimeIsCurrent(live, memory.bootedAt, at) ? podEndpoints(live) : null;
    let monai: MonaiObservation | null = null;
    // Nothing of the bot's (not even a connection with its key) reaches a pod that is not its own.
    if (desired.phase === 'running' && live && endpoints && isOurs(live, ownership)) monai = await this.observeMonai(desired, memory, live, endpoints, signal);
    else await this.closeSession();
    const runpodLog = live?.desiredStatus === 'ERROR' ? await this.runpodLog(live.id, signal) : null;
    return { at, pod, namesakes, stopped, monai, unconfirmedDeploy, ownership, runpodLog };
  }

  private async observeMonai(desired: DesiredState, memory: ReconcileMemory, pod: Pod, endpoints: PodEndpoints, signal: AbortSignal): Promise<MonaiObservation> {
    const { deps } = this;
    const token = await deps.installation.gateToken();
    const settings = deps.scriptSettings(desired.models, token);
    const gateDigest = gateConfig(settings.gate).digest;
    const info = await deps.monai.info(secretBase(endpoints.api, token), signal);
    const restartPending = desired.restartNonce !== null && memory.serverStartedFor !== desired.generation;
    const base = { endpoints, url: secretUrl(endpoints.api, token), gateDigest, info, volume: null, server: null, gate: null, watch: null };
    if (monaiReady(base, desired.models, restartPending)) {
      await this.closeSession();
      return { ...base, ssh: { kind: 'not-needed' } };
    }
    const session = await this.sessionFor(pod.id, endpoints);
    try {
      if (!session.shell) session.shell = await deps.connector.connect({ podId: pod.id, ...endpoints.ssh }, signal, deps.sshAttemptBudgetMs);
      const key = JSON.stringify(settings);
      if (session.settingsKey !== key) {
        session.agent = new MonaiOnPod(session.shell, settings, deps.redactor);
        session.settingsKey = key;
        session.volume = null;
      }
      if (!session.volume) ({ volume: session.volume, server: session.server, gate: session.gate } = await session.agent!.probe(signal));
    } catch (error) {
      signal.throwIfAborted();
      await this.closeSession();
      if (!isBotError(error)) throw error;
      return { ...base, ssh: { kind: 'failed', error: asBotError(error) } };
    }
    if (session.server?.running && !session.watch) {
      session.watch = session.agent!.watch(Math.max(1, deps.watchMaxMs / 1000), deps.onWake);
    }
    return { ...base, ssh: { kind: 'connected' }, volume: session.volume, server: session.server, gate: session.gate, watch: session.watch?.facts() ?? null };
  }

  /** What RunPod's log says about a pod in ERROR; never fatal (GraphQL has no such log). */
  private async runpodLog(podId: string, signal: AbortSignal): Promise<string[] | null> {
    try {
      const lines = await this.deps.runpod.logs(podId, 20, signal);
      return lines ? this.deps.redactor.redact(lines.join('\n')).split('\n') : null;
    } catch (error) {
      signal.throwIfAborted();
      this.deps.logger.debug('could not read RunPod’s log for a pod in ERROR', { podId, error });
      return null;
    }
  }

  /** The session for this container, a new one when the pod or its SSH address changed. */
  private async sessionFor(podId: string, endpoints: PodEndpoints): Promise<PodSession> {
    const address = `${endpoints.ssh.host}:${endpoints.ssh.port}`;
    if (this.session && (this.session.podId !== podId || this.session.sshAddress !== address)) await this.closeSession();
    this.session ??= new PodSession(podId, address);
    return this.session;
  }

  /** The live session's agent, for actions on MONAI Label (null when not connected). */
  agent(): MonaiOnPod | null {
    return this.session?.agent ?? null;
  }

  /** An install changed the volume: read it again. */
  forgetVolume(): void {
    if (this.session) this.session.volume = null;
  }

  /** A start changed the server: a new watch follows the new process. */
  async serverStarted(server: ServerFacts, gate: GateFacts): Promise<void> {
    if (!this.session) return;
    this.session.server = server;
    this.session.gate = gate;
    await this.session.watch?.stop();
    this.session.watch = null;
  }

  gateStarted(gate: GateFacts): void {
    if (this.session) this.session.gate = gate;
  }

  async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close();
  }
}
