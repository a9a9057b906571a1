import { dataCentersFor, SIM_DATA_CENTERS, SIM_GPU_TYPES, type SimGpuType } from '../catalog.js';
import { observedStatus, type SimObservedStatus, type SimPod } from '../pods.js';
import type { RunPodSimulator } from '../simulator.js';

/** What REST v2 lets a pod do in each observed status; anything else is a 409. */
export const ALLOWED_ACTIONS: Record<SimObservedStatus, readonly string[]> = {
  RUNNING: ['stop', 'restart', 'terminate'],
  EXITED: ['start', 'terminate'],
  ERROR: ['start', 'terminate'],
  PROVISIONING: ['stop', 'terminate'],
  STARTING: ['stop', 'terminate'],
};

type Cloud = 'COMMUNITY' | 'SECURE';

const iso = (at: number) => new Date(at).toISOString();

function runtimeView(sim: RunPodSimulator, pod: SimPod) {
  const runtime = pod.runtime;
  // v2 reports a runtime only for a running container: none while provisioning or starting, none once stopped.
  if (!runtime || observedStatus(pod) !== 'RUNNING') return null;
  const busy = pod.gpuUtilPercent > 0;
  return {
    uptime: Math.max(0, Math.floor((sim.clock.now() - runtime.startedAt) / 1000)),
    gpus: Array.from({ length: pod.gpuCount }, () => ({ util: pod.gpuUtilPercent, memoryUtil: busy ? 40 : 2 })),
    cpu: { util: busy ? 30 : 1 },
    memory: { util: 12 },
    // One entry per declared port: tcp ports with their public mapping, http ports behind RunPod's proxy.
    ports: runtime.ports
      .filter((port) => port.isIpPublic || port.type === 'http')
      .map((port) =>
        port.type === 'tcp'
          ? { private: port.privatePort, public: port.publicPort, type: 'tcp', ip: port.ip }
          : { private: port.privatePort, public: null, type: 'http', ip: null },
      ),
  };
}

export function podView(sim: RunPodSimulator, pod: SimPod) {
  const status = observedStatus(pod);
  const runtime = runtimeView(sim, pod);
  const ssh = runtime?.ports.find((port) => port.private === 22 && port.public !== null);
  return {
    id: pod.id,
    name: pod.name,
    status,
    actions: [...ALLOWED_ACTIONS[status]],
    image: pod.imageName,
    args: '',
    disk: pod.containerDiskInGb,
    mounts: {
      persistent: { size: pod.volumeInGb, path: pod.volumeMountPath },
      ...(pod.networkVolumeId ? { network: [{ volumeId: pod.networkVolumeId, path: pod.volumeMountPath }] } : {}),
    },
    ports: pod.declaredPorts.split(',').filter(Boolean),
    env: Object.fromEntries(pod.env.map(({ key, value }) => [key, value])),
    registry: null,
    cloud: (pod.cloudType === 'SECURE' ? 'SECURE' : 'COMMUNITY') as Cloud,
    dataCenterId: pod.dataCenterId,
    // The newest CUDA the host's driver supports (the pod keeps its host across stops).
    cudaVersion: pod.hostCuda,
    ssh: {
      proxy: null,
      direct: ssh ? { host: ssh.ip!, port: ssh.public!, username: 'root', command: `ssh root@${ssh.ip} -p ${ssh.public}` } : null,
    },
    template: null,
    // RunPod's "USD/hr actually billed"; the simulator reports the pod's rate in every status (UNVERIFIED for stopped pods).
    cost: pod.costPerHr,
    locked: false,
    runtime,
    createdAt: iso(pod.createdAt),
    startedAt: pod.desiredStatus === 'RUNNING' ? iso(pod.lastStartedAt) : null,
    globalNetworking: { enabled: false },
    gpu: { id: pod.gpuType.id, count: pod.gpuCount },
  };
}

export interface CatalogFilter {
  cloud: Cloud;
  countryCodes: readonly string[] | undefined;
  withAvailability: boolean;
}

export function gpuTypeView(sim: RunPodSimulator, gpu: SimGpuType, filter: CatalogFilter) {
  const centers = (filter.countryCodes ?? [undefined]).flatMap((country) => dataCentersFor(filter.cloud, country));
  const levels = centers.map((dc) => ({ id: dc.id, name: dc.id, availability: sim.availability(gpu.id, filter.cloud, undefined, dc.id) }));
  const order = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
  const best = levels.reduce<(typeof order)[number]>((top, dc) => (order.indexOf(dc.availability) > order.indexOf(top) ? dc.availability : top), 'NONE');
  return {
    id: gpu.id,
    name: gpu.displayName,
    pool: null,
    manufacturer: 'NVIDIA',
    memory: gpu.memoryInGb,
    secure: true,
    community: true,
    price: { secure: gpu.securePrice, community: gpu.communityPrice },
    maxCount: { secure: 8, community: 8 },
    ...(filter.withAvailability ? { availability: best, dataCenters: levels } : {}),
  };
}

export function gpuTypesView(sim: RunPodSimulator, filter: CatalogFilter) {
  return { gpus: SIM_GPU_TYPES.map((gpu) => gpuTypeView(sim, gpu, filter)) };
}

export function dataCentersView(sim: RunPodSimulator, withGpus: boolean) {
  return {
    dataCenters: SIM_DATA_CENTERS.map((dc) => ({
      id: dc.id,
      name: dc.id,
      region: dc.region,
      networkVolumeTypes: ['STANDARD'],
      compliance: [],
      globalNetwork: false,
      ...(withGpus
        ? {
            gpuAvailability: SIM_GPU_TYPES.map((gpu) => ({
              id: gpu.id,
              name: gpu.displayName,
              availability: dc.clouds.some((cloud) => sim.availability(gpu.id, cloud, undefined, dc.id) !== 'NONE')
                ? sim.availability(gpu.id, dc.clouds[0]!, undefined, dc.id)
                : 'NONE',
            })),
          }
        : {}),
    })),
  };
}
