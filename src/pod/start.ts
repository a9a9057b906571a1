import type { PodSettings } from '../config/load.js';
import { BotError, isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Pod, RunPodApi } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { formatDuration, formatMoney } from '../util/format.js';
import { decideStart, type StartMemory, type StartStep } from './decide.js';
import { apiUrl, DECLARED_PORTS, pickPod, podEndpoints, type PodEndpoints } from './endpoints.js';
import type { OperationResult } from './operation.js';
import type { RunningOperation } from './running-operation.js';

/** Reads the pod again: the ports RunPod reported first can be stale right after a resume. */
export type Reobserve = () => Promise<{ pod: Pod; endpoints: PodEndpoints } | null>;

/** What happens once the pod runs with its ports mapped (MONAI Label's part plugs in here). */
export type AfterReady = (
  op: RunningOperation,
  pod: Pod,
  endpoints: PodEndpoints,
  reused: boolean,
  reobserve: Reobserve,
) => Promise<OperationResult>;

export interface LifecycleDeps {
  runpod: RunPodApi;
  snapshots: SnapshotCache;
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: PodSettings;
  /** Environment for a new pod, e.g. PUBLIC_KEY for sshd. */
  deployEnv: () => Record<string, string>;
  afterReady: AfterReady;
  /** How long to look for a pod after a deploy whose answer was lost. */
  deployPendingMs?: number;
}

/** Deploy answers that prove RunPod created nothing; anything else may have created a pod. */
const DEFINITE_REFUSALS = new Set(['RUNPOD_NO_CAPACITY', 'RUNPOD_SPEND_LIMIT', 'RUNPOD_INVALID_REQUEST', 'RUNPOD_AUTH', 'RUNPOD_PERMISSION']);

export const defaultAfterReady: AfterReady = async (_op, _pod, endpoints, reused) => ({ apiUrl: apiUrl(endpoints.api), reused });

function reflect(op: RunningOperation, step: StartStep, elapsed: string): void {
  switch (step.kind) {
    case 'deploy':
      op.condition('PodExists', 'False', 'Deploying', 'Deploying a new pod');
      return;
    case 'resume':
      op.setPod(step.pod);
      op.condition('PodExists', 'True', 'Found', `Pod ${step.pod.id}`);
      op.condition('PodRunning', 'False', 'Resuming', 'Resuming the stopped pod');
      return;
    case 'wait':
      if (step.pod) {
        op.setPod(step.pod);
        op.condition('PodExists', 'True', 'Found', `Pod ${step.pod.id}`);
      }
      if (step.reason === 'deploy-pending') {
        op.condition('PodExists', 'Unknown', 'DeployPending', 'Waiting for the new pod to appear');
      } else if (step.reason === 'initializing') {
        op.condition('PodRunning', 'False', 'ContainerStarting', `Pulling the image and starting the container (${elapsed})`);
      } else {
        op.condition('PodRunning', 'True', 'Running', 'Container running');
        op.condition('PortsMapped', 'False', 'WaitingForPorts', `Waiting for RunPod to map ports 8000 and 22 (${elapsed})`);
      }
      return;
    case 'ready':
      op.setPod(step.pod);
      op.condition('PodExists', 'True', 'Found', `Pod ${step.pod.id}`);
      op.condition('PodRunning', 'True', 'Running', 'Container running');
      op.condition(
        'PortsMapped',
        'True',
        'Mapped',
        `8000 → ${step.endpoints.api.host}:${step.endpoints.api.port}, 22 → ${step.endpoints.ssh.host}:${step.endpoints.ssh.port}`,
      );
  }
}

async function deploy(op: RunningOperation, deps: LifecycleDeps, memory: StartMemory): Promise<void> {
  const { settings } = deps;
  const refusals: string[] = [];
  for (const gpuTypeId of settings.gpuTypes) {
    for (let rateLimited = 0; ; rateLimited++) {
      op.condition('PodExists', 'False', 'Deploying', `Deploying a new pod on ${gpuTypeId}`);
      // Recorded before the call: if the bot dies mid-request, it must not deploy a second pod.
      memory.deployRequested = true;
      await op.remember({ ...memory });
      try {
        // Never cut short: a cancelled deploy may still create a pod, and whoever comes next must see it.
        const pod = await deps.runpod.deploy(deploySpec(deps, gpuTypeId));
        memory.podId = pod.id;
        memory.bootedAt = deps.clock.now();
        await op.remember({ ...memory });
        await deps.store.pods.set(startedRecord(op, deps, pod.id));
        deps.snapshots.invalidate();
        op.setPod(pod);
        deps.logger.info('pod deployed', { operation: op.id, podId: pod.id, gpuTypeId });
        return;
      } catch (error) {
        if (!isBotError(error)) throw error;
        // A 429 was refused before RunPod did anything: safe to send again after the wait.
        const refusedUnprocessed = error.retryAfterSeconds !== undefined || DEFINITE_REFUSALS.has(error.code);
        if (!refusedUnprocessed) {
          // The answer was lost: a pod may exist. Look for it instead of deploying again.
          deps.logger.warn('deploy answer lost; looking for the pod before anything else', { operation: op.id, reason: error.message });
          return;
        }
        memory.deployRequested = false;
        await op.remember({ ...memory });
        if (error.retryAfterSeconds !== undefined && rateLimited < 3) {
          await deps.clock.sleep(Math.min(60, error.retryAfterSeconds) * 1000, op.signal);
          continue;
        }
        if (error.code !== 'RUNPOD_NO_CAPACITY') throw error;
        refusals.push(gpuTypeId);
        deps.logger.info('no capacity, trying the next GPU type', { operation: op.id, gpuTypeId });
        break;
      }
    }
  }
  throw new BotError('RUNPOD_NO_CAPACITY', {
    message: `RunPod has no free GPU of any configured type (${refusals.join(', ')}) in ${settings.countryCode} right now.`,
  });
}

/** Who started the pod and where: idle warnings go back there. */
function startedRecord(op: RunningOperation, deps: LifecycleDeps, podId: string) {
  return {
    podName: deps.settings.name,
    podId,
    startedBy: op.view.requestedBy[0] ?? null,
    startedAt: deps.clock.now(),
    startedChannel: op.channel,
    startedByName: (op.memory['requesterName'] as string | undefined) ?? null,
  };
}

function deploySpec(deps: LifecycleDeps, gpuTypeId: string) {
  const { settings } = deps;
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
    env: deps.deployEnv(),
    startSsh: true,
    supportPublicIp: true,
  };
}

async function resume(op: RunningOperation, deps: LifecycleDeps, memory: StartMemory, pod: Pod): Promise<void> {
  if (memory.resumeRequested && Number(op.memory['resumeAttempts'] ?? 0) >= 3) {
    throw new BotError('POD_START_TIMEOUT', { message: 'The pod keeps returning to “stopped” after a resume.' });
  }
  memory.resumeRequested = true;
  memory.bootedAt = deps.clock.now();
  await op.remember({ ...memory, resumeAttempts: Number(op.memory['resumeAttempts'] ?? 0) + 1 });
  const resumed = await deps.runpod.resume(pod.id, Math.max(1, pod.gpuCount));
  memory.podId = resumed.id;
  await op.remember({ ...memory });
  await deps.store.pods.set(startedRecord(op, deps, pod.id));
  deps.snapshots.invalidate();
  deps.logger.info('pod resumed', { operation: op.id, podId: pod.id });
}

function timeoutError(pod: Pod | null, waited: number): BotError {
  const billing = pod
    ? ` The pod is still running and billing ${formatMoney(pod.costPerHr)}/hr: \`/monai stop\` stops it, or \`/monai status\` shows whether it came up.`
    : '';
  return new BotError('POD_START_TIMEOUT', {
    message: `RunPod has not mapped the pod’s ports after ${formatDuration(waited)}.${billing}`,
  });
}

function reobserveFrom(deps: LifecycleDeps, op: RunningOperation, podId: string): Reobserve {
  return async () => {
    await deps.clock.sleep(deps.settings.pollMs, op.signal);
    const fresh = pickPod((await deps.snapshots.fetch()).pods, deps.settings.name, podId);
    const endpoints = fresh ? podEndpoints(fresh) : null;
    return fresh && endpoints ? { pod: fresh, endpoints } : null;
  };
}

/** Restarts MONAI Label on a running pod; never touches the pod itself. */
export async function runRestart(op: RunningOperation, deps: LifecycleDeps): Promise<OperationResult> {
  const registered = await deps.store.pods.get(deps.settings.name);
  const pod = pickPod((await deps.snapshots.fetch()).pods, deps.settings.name, registered?.podId);
  const step = decideStart(pod, { deployRequested: false, resumeRequested: false, podId: null });
  if (step.kind !== 'ready') {
    throw new BotError('POD_NOT_RUNNING', { message: `${deps.settings.name} is not running, so there is no MONAI Label to restart.` });
  }
  reflect(op, step, '');
  return deps.afterReady(op, step.pod, step.endpoints, false, reobserveFrom(deps, op, step.pod.id));
}

/** Drives the pod to RUNNING with ports mapped, then hands over to afterReady. Safe to re-run. */
export async function runStart(op: RunningOperation, deps: LifecycleDeps): Promise<OperationResult> {
  const { clock, settings } = deps;
  const began = clock.now();
  const memory: StartMemory = { deployRequested: false, resumeRequested: false, podId: null, ...(op.memory as Partial<StartMemory>) };
  let firstLook = true;
  let pendingSince: number | null = null;
  for (;;) {
    op.signal.throwIfAborted();
    const snapshot = await deps.snapshots.fetch();
    const registered = await deps.store.pods.get(settings.name);
    const pod =
      op.params['newPod'] === true && !memory.podId
        ? null
        : pickPod(snapshot.pods, settings.name, memory.podId ?? registered?.podId);
    const step = decideStart(pod, memory, clock.now());
    const elapsed = formatDuration(clock.now() - began);
    reflect(op, step, elapsed);
    if (step.kind === 'ready') {
      if (registered?.podId !== step.pod.id) {
        // A running pod the bot did not start: adopt it, without claiming who started it.
        await deps.store.pods.set({ podName: settings.name, podId: step.pod.id, startedBy: null, startedAt: null, startedChannel: op.channel });
      }
      return deps.afterReady(op, step.pod, step.endpoints, firstLook, reobserveFrom(deps, op, step.pod.id));
    }
    firstLook = false;
    if (step.kind === 'deploy') {
      await deploy(op, deps, memory);
      continue;
    }
    if (step.kind === 'resume') {
      await resume(op, deps, memory, step.pod);
      continue;
    }
    if (step.reason === 'deploy-pending') {
      pendingSince ??= clock.now();
      if (clock.now() - pendingSince > (deps.deployPendingMs ?? 60_000)) {
        throw new BotError('RUNPOD_TRANSIENT', {
          message: 'The deploy request got no clear answer from RunPod and no pod appeared, so nothing is billing.',
          action: 'Run `/monai start` again.',
        });
      }
    }
    if (clock.now() - began > settings.readyTimeoutMs) throw timeoutError(step.pod, clock.now() - began);
    await clock.sleep(settings.pollMs, op.signal);
  }
}
