import type { GraphQLError } from 'graphql';
import { SIM_DATA_CENTERS, SIM_GPU_TYPES } from './catalog.js';
import { businessError, type SimPod } from './pods.js';
import type { DeployInput, RunPodSimulator } from './simulator.js';

export interface RequestContext {
  authenticated: boolean;
}

function requireAuth(context: RequestContext): void {
  if (!context.authenticated) throw businessError('Unauthorized', 'UNAUTHENTICATED');
}

/** RunPod reports its refusals as plain messages; the codes are the ones seen in the wild. */
function refusal(error: unknown): GraphQLError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('There are no longer')) return businessError(message, 'SUPPLY_CONSTRAINT');
  if (message.startsWith('INSUFFICIENT_BALANCE')) return businessError(message, 'INSUFFICIENT_BALANCE');
  return businessError(message, 'RUNPOD');
}

function runtimeView(sim: RunPodSimulator, pod: SimPod) {
  let runtime = pod.runtime;
  if (!runtime && pod.staleRuntime) {
    // One read of the previous mapping right after a resume.
    runtime = pod.staleRuntime;
    pod.staleRuntime = null;
  }
  if (!runtime) return null;
  const end = runtime.frozenAt ?? sim.clock.now();
  return {
    uptimeInSeconds: Math.max(0, Math.floor((end - runtime.startedAt) / 1000)),
    ports: runtime.ports,
    gpus: Array.from({ length: pod.gpuCount }, (_, index) => ({
      id: `GPU-${pod.id.slice(0, 8)}-${index}`,
      gpuUtilPercent: pod.gpuUtilPercent,
      memoryUtilPercent: pod.gpuUtilPercent > 0 ? 40 : 2,
    })),
    container: { cpuPercent: pod.gpuUtilPercent > 0 ? 30 : 1, memoryPercent: 12 },
  };
}

export function podView(sim: RunPodSimulator, pod: SimPod) {
  const runtime = runtimeView(sim, pod);
  return {
    id: pod.id,
    name: pod.name,
    desiredStatus: pod.desiredStatus,
    lastStatusChange: pod.lastStatusChange,
    imageName: pod.imageName,
    dockerArgs: null,
    dockerId: null,
    machineId: pod.machineId,
    machine: {
      gpuDisplayName: pod.gpuType.displayName,
      location: SIM_DATA_CENTERS.find((dc) => dc.id === pod.dataCenterId)?.countryCode ?? 'US',
      podHostId: pod.podHostId,
      gpuTypeId: pod.gpuType.id,
      dataCenterId: pod.dataCenterId,
      secureCloud: pod.cloudType === 'SECURE',
      supportPublicIp: true,
    },
    gpuCount: pod.gpuCount,
    vcpuCount: 8,
    memoryInGb: 31,
    containerDiskInGb: pod.containerDiskInGb,
    volumeInGb: pod.volumeInGb,
    volumeMountPath: pod.volumeMountPath,
    costPerHr: pod.costPerHr,
    adjustedCostPerHr: pod.costPerHr,
    env: pod.env.map(({ key, value }) => `${key}=${value}`),
    ports: pod.declaredPorts,
    port: null,
    podType: 'RESERVED',
    templateId: null,
    networkVolumeId: pod.networkVolumeId,
    uptimeSeconds: runtime?.uptimeInSeconds ?? 0,
    runtime,
    createdAt: new Date(pod.createdAt).toISOString(),
    lastStartedAt: new Date(pod.lastStartedAt).toISOString(),
    locked: false,
  };
}

function userView(sim: RunPodSimulator) {
  const spendPerHr = sim.spendPerHr();
  return {
    id: 'sim-user',
    email: 'lab@example.org',
    pubKey: sim.accountPubKey,
    clientBalance: Math.round(sim.balance * 10_000) / 10_000,
    currentSpendPerHr: Math.round(spendPerHr * 10_000) / 10_000,
    spendLimit: sim.spendLimit,
    underBalance: sim.balance <= 0,
    minBalance: 0,
    clientLifetimeSpend: sim.lifetimeSpend,
    spendDetails: { localStoragePerHour: 0, networkStoragePerHour: 0, gpuComputePerHour: spendPerHr },
    notifyPodsStale: true,
    notifyPodsGeneral: true,
    notifyLowBalance: true,
    // RunPod's lists are eventually consistent: a pod may be missing from a listing for a while.
    pods: [...sim.pods.values()].filter((pod) => sim.listed(pod.id)).map((pod) => podView(sim, pod)),
    networkVolumes: [],
  };
}

type Args<T> = { input?: T | null };

export function createRoot(sim: RunPodSimulator) {
  return {
    myself: (_args: unknown, context: RequestContext) => (context.authenticated ? userView(sim) : null),
    pod: ({ input }: Args<{ podId: string }>, context: RequestContext) => {
      requireAuth(context);
      const pod = input ? sim.pods.get(input.podId) : undefined;
      return pod ? podView(sim, pod) : null;
    },
    // Answers without credentials, like RunPod's public catalog.
    gpuTypes: ({ input }: Args<{ id?: string; ids?: string[] }>) =>
      SIM_GPU_TYPES.filter(
        (gpu) => (!input?.id || gpu.id === input.id) && (!input?.ids || input.ids.includes(gpu.id)),
      ).map((gpu) => ({
        ...gpu,
        manufacturer: 'Nvidia',
        secureCloud: true,
        communityCloud: true,
        maxGpuCount: 8,
        lowestPrice: ({ input: price }: { input?: { secureCloud?: boolean; countryCode?: string } | null }) => {
          const level = sim.availability(gpu.id, price?.secureCloud ? 'SECURE' : 'COMMUNITY', price?.countryCode ?? undefined);
          const left = level === 'NONE' ? 0 : sim.stock.get(gpu.id) ?? 8;
          return {
            gpuName: gpu.displayName,
            gpuTypeId: gpu.id,
            minimumBidPrice: null,
            uninterruptablePrice: price?.secureCloud ? gpu.securePrice : gpu.communityPrice,
            stockStatus: level === 'NONE' ? null : level.charAt(0) + level.slice(1).toLowerCase(),
            countryCode: price?.countryCode ?? 'US',
            supportPublicIp: true,
            availableGpuCounts: left > 0 ? [1, 2, 4].filter((count) => count <= left) : [],
          };
        },
      })),
    dataCenters: () => SIM_DATA_CENTERS.map((dc) => ({ id: dc.id, name: dc.id, location: dc.countryCode, listed: true })),
    podFindAndDeployOnDemand: ({ input }: Args<DeployInput & { countryCode?: string }>, context: RequestContext) => {
      requireAuth(context);
      sim.deployInputs.push({ ...(input ?? {}) });
      // stopAfter / terminateAfter are accepted and ignored, as on RunPod.
      try {
        return podView(sim, sim.deploy(input ?? {}));
      } catch (error) {
        throw refusal(error);
      }
    },
    podResume: ({ input }: Args<{ podId: string }>, context: RequestContext) => {
      requireAuth(context);
      if (!input || !sim.pods.has(input.podId)) throw businessError('Pod not found', 'RUNPOD');
      try {
        return podView(sim, sim.resume(input.podId));
      } catch (error) {
        throw refusal(error);
      }
    },
    podStop: async ({ input }: Args<{ podId: string }>, context: RequestContext) => {
      requireAuth(context);
      if (!input || !sim.pods.has(input.podId)) throw businessError('Pod not found', 'RUNPOD');
      return podView(sim, await sim.stop(input.podId));
    },
    podTerminate: async ({ input }: Args<{ podId: string }>, context: RequestContext) => {
      requireAuth(context);
      if (input) await sim.terminate(input.podId);
      return null;
    },
    updateUserSettings: ({ input }: Args<{ pubKey?: string }>, context: RequestContext) => {
      requireAuth(context);
      if (typeof input?.pubKey === 'string') sim.accountPubKey = input.pubKey;
      return userView(sim);
    },
  };
}
