import { randomUUID } from 'node:crypto';
import type { PodSettings } from '../config/load.js';
import { BotError, isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { InstallPlan } from '../monai/python-stack.js';
import type { DeploySpec, Pod, RunPodApi } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { PendingDeploy, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Action } from './decide.js';
import type { DesiredState } from './desired.js';
import { DECLARED_PORTS } from './endpoints.js';
import { DEPLOY_NONCE_ENV } from './identity.js';
import { OWNER_ENV, type Installation } from './installation.js';
import type { ReconcileMemory } from './memory.js';
import type { Observer } from './observer.js';
import type { ConditionStatus, ConditionType } from './operation.js';

export interface ActorDeps {
  runpod: RunPodApi;
  snapshots: SnapshotCache;
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: PodSettings;
  /** Environment for a new pod, e.g. PUBLIC_KEY for sshd. */
  deployEnv: () => Record<string, string>;
  /** The mark every deployed pod carries (OWNER_ENV). */
  installation: Installation;
  observer: Observer;
  /** Observations after a failed stop before it is tried again. */
  pollsPerStop: number;
}

/** The reconciler's state as an action changes it. */
export interface ReconcileState {
  desired: DesiredState;
  memory: ReconcileMemory;
  pendingDeploy: PendingDeploy | null;
}

export interface ActionContext {
  requester: { user: string; name: string | null; channel: string | null };
  /** Aborted when a newer desired state replaces this one, or the bot shuts down. */
  signal: AbortSignal;
  /** Aborted when MONAI Label's deadline passes: a long step on the pod is cut short there. */
  deadline: AbortSignal;
  /** Persists the state: called before any request whose answer may be lost. */
  save(state: ReconcileState): Promise<void>;
  progress(type: ConditionType, status: ConditionStatus, reason: string, message: string): void;
  /** RunPod answered with the pod: the request shows it (and that it bills) even if a later read fails. */
  podSeen(pod: Pod): void;
}

/** Deploy answers that prove RunPod created nothing; anything else may have created a pod. */
const DEFINITE_REFUSALS = new Set(['RUNPOD_NO_CAPACITY', 'RUNPOD_UNKNOWN_GPU_TYPE', 'RUNPOD_SPEND_LIMIT', 'RUNPOD_INVALID_REQUEST', 'RUNPOD_AUTH', 'RUNPOD_PERMISSION']);
const MAX_RATE_LIMITED_DEPLOYS = 3;

/**
 * Carries out one decision. Requests that change RunPod are never cut short once sent (a
 * cancelled deploy may still create a pod); long steps on the pod are, at the deadline.
 */
export class Actor {
  constructor(private readonly deps: ActorDeps) {}

  async run(action: Action, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    switch (action.kind) {
      case 'deploy':
        return this.deploy(action.gpuTypeId, state, ctx);
      case 'pin':
        return action.reason === 'deploy-found' ? this.pinFound(action.podId, action.sentAt, state, ctx) : this.adopt(action.podId, state, ctx);
      case 'unpin':
        await this.deps.store.pods.forget(state.desired.podName, action.podId);
        this.deps.logger.info('the pinned pod no longer exists; forgetting it', { podId: action.podId });
        return { ...state, desired: { ...state.desired, podId: null } };
      case 'resume':
        return this.resume(action.podId, action.gpuCount, state, ctx);
      case 'stop':
        return this.stop(action.podId, state, ctx);
      case 'terminate':
        return this.terminate(action.podId, state);
      case 'install':
        return this.install(action.plan, state, ctx);
      case 'start-server':
        return this.startServer(action.force, state, ctx);
      case 'start-gate':
        return this.startGate(state, ctx);
    }
  }

  private async deploy(gpuTypeId: string, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    const { deps } = this;
    const now = deps.clock.now();
    const previous = state.memory.deploy;
    const nonce = previous?.nonce ?? randomUUID();
    ctx.progress('PodExists', 'False', 'Deploying', `Deploying a new pod on ${gpuTypeId}`);
    const sending: ReconcileState = {
      ...state,
      memory: { ...state.memory, deploy: { nonce, gpuIndex: previous?.gpuIndex ?? 0, refusals: previous?.refusals ?? [], state: 'sending', sentAt: now, podId: null, retryAt: null, rateLimited: previous?.rateLimited ?? 0 } },
      pendingDeploy: { nonce, sentAt: now, requestedBy: state.desired.requestedBy },
    };
    // Recorded before the call: if the bot dies mid-request, it must look for this pod, not deploy another.
    await ctx.save(sending);
    const deploy = sending.memory.deploy!;
    try {
      const pod = await deps.runpod.deploy(this.deploySpec(gpuTypeId, nonce, await deps.installation.installationId()));
      deps.snapshots.invalidate();
      ctx.podSeen(pod);
      deps.logger.info('pod deployed', { podId: pod.id, gpuTypeId });
      await this.pinAsStarted(pod.id, state.desired, ctx);
      return {
        desired: { ...state.desired, podId: pod.id },
        memory: { ...sending.memory, deploy: { ...deploy, state: 'confirmed', podId: pod.id }, bootedAt: now },
        pendingDeploy: null,
      };
    } catch (error) {
      deps.snapshots.invalidate();
      if (!isBotError(error)) throw error;
      const rateLimited = error.retryAfterSeconds !== undefined;
      if (!rateLimited && !DEFINITE_REFUSALS.has(error.code)) {
        // The answer was lost: a pod may exist. It is looked for by its nonce, never deployed again.
        deps.logger.warn('deploy answer lost; looking for the pod before anything else', { reason: error.message });
        return { ...sending, memory: { ...sending.memory, deploy: { ...deploy, state: 'lost' } } };
      }
      const refused = { ...sending, pendingDeploy: null };
      if (rateLimited && deploy.rateLimited < MAX_RATE_LIMITED_DEPLOYS) {
        const retryAt = now + Math.min(60, error.retryAfterSeconds!) * 1000;
        return { ...refused, memory: { ...refused.memory, deploy: { ...deploy, state: 'refused', retryAt, rateLimited: deploy.rateLimited + 1 } } };
      }
      if (error.code !== 'RUNPOD_NO_CAPACITY') throw error;
      deps.logger.info('no capacity, trying the next GPU type', { gpuTypeId });
      return {
        ...refused,
        memory: { ...refused.memory, deploy: { ...deploy, state: 'refused', gpuIndex: deploy.gpuIndex + 1, refusals: [...deploy.refusals, gpuTypeId], retryAt: null } },
      };
    }
  }

  private deploySpec(gpuTypeId: string, nonce: string, owner: string): DeploySpec {
    const { settings } = this.deps;
    return {
      name: settings.name,
      imageName: settings.imageName,
      gpuTypeId,
      gpuCount: 1,
      cloudType: settings.cloudType,
      countryCode: settings.countryCode,
      containerDiskInGb: settings.containerDiskGb,
      volumeInGb: settings.volumeGb,
      volumeMountPath: settings.volumeMountPath,
      ports: DECLARED_PORTS,
      env: { ...this.deps.deployEnv(), [DEPLOY_NONCE_ENV]: nonce, [OWNER_ENV]: owner },
      startSsh: true,
      supportPublicIp: true,
      ...(settings.minCudaVersion ? { minCudaVersion: settings.minCudaVersion } : {}),
    };
  }

  private async pinFound(podId: string, sentAt: number, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    this.deps.logger.info('found the pod of the deploy whose answer was lost', { podId });
    await this.pinAsStarted(podId, state.desired, ctx);
    const deploy = state.memory.deploy;
    return {
      desired: { ...state.desired, podId },
      memory: { ...state.memory, deploy: deploy ? { ...deploy, state: 'confirmed', podId } : null, bootedAt: sentAt },
      pendingDeploy: null,
    };
  }

  /** A pod of this name that the bot did not start (or whose record was lost): adopted, without claiming who started it. */
  private async adopt(podId: string, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    this.deps.logger.info('adopting the existing pod of this name', { podId });
    await this.deps.store.pods.set({ podName: state.desired.podName, podId, startedBy: null, startedAt: null, startedChannel: ctx.requester.channel });
    return { ...state, desired: { ...state.desired, podId } };
  }

  /** Who started the pod and where: idle warnings go back there. The new container makes new SSH host keys. */
  private async pinAsStarted(podId: string, desired: DesiredState, ctx: ActionContext): Promise<void> {
    const { store, clock, logger } = this.deps;
    await store.pods.set({
      podName: desired.podName,
      podId,
      startedBy: ctx.requester.user,
      startedAt: clock.now(),
      startedChannel: ctx.requester.channel,
      startedByName: ctx.requester.name,
    });
    if (await store.hostKeys.forget(podId)) logger.info('new container: the pod’s SSH host key will be learned again', { podId });
  }

  private async resume(podId: string, gpuCount: number, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    const { deps } = this;
    const now = deps.clock.now();
    const resumed: ReconcileState = {
      ...state,
      memory: { ...state.memory, resume: { attempts: (state.memory.resume?.attempts ?? 0) + 1, lastAt: now }, bootedAt: now },
    };
    ctx.progress('PodRunning', 'False', 'Resuming', 'Resuming the stopped pod');
    await ctx.save(resumed);
    ctx.podSeen(await deps.runpod.resume(podId, gpuCount));
    deps.snapshots.invalidate();
    await this.pinAsStarted(podId, state.desired, ctx);
    deps.logger.info('pod resumed', { podId });
    return resumed;
  }

  private async stop(podId: string, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    const { deps } = this;
    const attempts = (state.memory.stops[podId]?.attempts ?? 0) + 1;
    ctx.progress('PodStopped', 'False', 'Stopping', attempts > 1 ? `Stopping pod ${podId} (attempt ${attempts})` : `Stopping pod ${podId}`);
    let polls = 0;
    try {
      await deps.runpod.stop(podId);
      deps.logger.info('stop requested', { podId, attempt: attempts });
    } catch (error) {
      if (!isBotError(error) || error.code === 'RUNPOD_AUTH' || error.code === 'RUNPOD_PERMISSION') throw error;
      deps.logger.warn('stop refused', { podId, attempt: attempts, reason: error.message });
      // Refused: try again at once rather than waiting for a stop that was never accepted.
      polls = deps.pollsPerStop;
    }
    deps.snapshots.invalidate();
    return { ...state, memory: { ...state.memory, stops: { ...state.memory.stops, [podId]: { attempts, polls } } } };
  }

  private async terminate(podId: string, state: ReconcileState): Promise<ReconcileState> {
    const { deps } = this;
    const attempts = (state.memory.terminate?.attempts ?? 0) + 1;
    let polls = 0;
    try {
      await deps.runpod.terminate(podId);
      deps.logger.info('pod terminated on request', { podId });
      await deps.store.pods.forget(state.desired.podName, podId);
      await deps.store.hostKeys.forget(podId);
    } catch (error) {
      if (!isBotError(error) || error.code === 'RUNPOD_AUTH' || error.code === 'RUNPOD_PERMISSION') throw error;
      deps.logger.warn('terminate refused', { podId, attempt: attempts, reason: error.message });
      polls = deps.pollsPerStop;
    }
    deps.snapshots.invalidate();
    return { ...state, memory: { ...state.memory, terminate: { attempts, polls } } };
  }

  private async install(plan: InstallPlan, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    const agent = this.connectedAgent();
    ctx.progress('MonaiInstalled', 'False', 'Installing', 'Installing MONAI Label on the volume');
    const cut = AbortSignal.any([ctx.signal, ctx.deadline]);
    try {
      await agent.install(plan, cut, (text) => ctx.progress('MonaiInstalled', 'False', 'Installing', text));
    } catch (error) {
      if (ctx.deadline.aborted && !ctx.signal.aborted) return state;
      throw error;
    } finally {
      this.deps.observer.forgetVolume();
    }
    return { ...state, memory: { ...state.memory, installed: true } };
  }

  private async startServer(force: boolean, state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    const agent = this.connectedAgent();
    ctx.progress('MonaiStarted', 'False', force ? 'Restarting' : 'Starting', force ? 'Restarting MONAI Label' : 'Starting MONAI Label');
    const cut = AbortSignal.any([ctx.signal, ctx.deadline]);
    let outcome: Awaited<ReturnType<typeof agent.start>>;
    try {
      outcome = await agent.start(force, cut);
    } catch (error) {
      if (ctx.deadline.aborted && !ctx.signal.aborted) return state;
      throw error;
    }
    await this.deps.observer.serverStarted(outcome.server, outcome.gate);
    if (outcome.gate.failure) throw gateFailed(outcome.gate.failure);
    ctx.progress(
      'MonaiStarted',
      'True',
      outcome.kept ? 'AlreadyRunning' : 'Started',
      outcome.kept ? 'MONAI Label was already running with these settings' : 'MONAI Label started in the background',
    );
    return { ...state, memory: { ...state.memory, serverStartedFor: state.desired.generation } };
  }

  private async startGate(state: ReconcileState, ctx: ActionContext): Promise<ReconcileState> {
    const agent = this.connectedAgent();
    ctx.progress('GateReady', 'False', 'Starting', 'Starting the gate on the public port');
    const gate = await agent.startGate(false, AbortSignal.any([ctx.signal, ctx.deadline]));
    this.deps.observer.gateStarted(gate);
    if (gate.failure) throw gateFailed(gate.failure);
    return { ...state, memory: { ...state.memory, gateStarted: true } };
  }

  private connectedAgent() {
    const agent = this.deps.observer.agent();
    if (!agent) throw new BotError('SSH_UNREACHABLE', { message: 'The SSH connection to the pod closed before the bot could act on it.' });
    return agent;
  }
}

function gateFailed(log: string): BotError {
  return new BotError('GATE_FAILED', { details: log });
}
