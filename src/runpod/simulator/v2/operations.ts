import { SIM_GPU_TYPES } from '../catalog.js';
import { observedStatus } from '../pods.js';
import type { DeployInput, RunPodSimulator, SimOperation } from '../simulator.js';
import { ALLOWED_ACTIONS, dataCentersView, gpuTypesView, gpuTypeView, podView } from './views.js';

/** What an operation answers: JSON (or a problem), nothing (204), or a log stream. */
export type V2Answer =
  | { status: number; body: unknown }
  | { status: 204 }
  | { status: 200; stream: { podId: string; tail: number; source: string | null; since: number | null } };

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: string[],
  ) {
    super(detail);
  }
}

const SIM_OPERATIONS: Record<string, SimOperation> = {
  listPods: 'listPods',
  getPod: 'getPod',
  createPod: 'deploy',
  deletePod: 'terminate',
  listGpuTypes: 'gpuTypes',
  getGpuType: 'gpuTypes',
  listDataCenters: 'dataCenters',
  getPodLogs: 'logs',
};
const ACTION_OPERATIONS: Record<string, SimOperation> = { start: 'resume', stop: 'stop', terminate: 'terminate' };

/** The SimOperation names of a v2 request, for call records and faults. */
export function simOperations(operationId: string, body: unknown): SimOperation[] {
  const named = operationId === 'podAction' ? ACTION_OPERATIONS[String((body as { action?: unknown } | undefined)?.action)] : SIM_OPERATIONS[operationId];
  return named ? [named] : [];
}

/** The account refused (capacity, host full, balance): v2 sends RunPod's sentence as a 400 problem. */
function refused(error: unknown): Problem {
  return new Problem(400, error instanceof Error ? error.message : String(error));
}

interface CreatePodBody {
  name: string;
  image: string;
  cloud?: 'SECURE' | 'COMMUNITY';
  gpu?: { id: string; count?: number; minCudaVersion?: string; allowedCudaVersions?: string[] };
  disk?: number;
  mounts?: { persistent?: { size: number; path: string }; network?: { volumeId: string; path: string }[] };
  ports?: string[];
  env?: Record<string, string>;
  startSsh?: boolean;
  dataCenterIds?: string[];
}

function deployInput(body: CreatePodBody): DeployInput {
  const input: DeployInput = {
    name: body.name,
    imageName: body.image,
    gpuTypeId: body.gpu?.id ?? '',
    gpuCount: body.gpu?.count ?? 1,
    // v2's default, unlike the tutorial's Community Cloud: a body without `cloud` rents Secure Cloud.
    cloudType: body.cloud ?? 'SECURE',
    containerDiskInGb: body.disk ?? 50,
    volumeInGb: body.mounts?.persistent?.size ?? 0,
    volumeMountPath: body.mounts?.persistent?.path ?? body.mounts?.network?.[0]?.path ?? '/workspace',
    ports: (body.ports ?? []).join(','),
    env: Object.entries(body.env ?? {}).map(([key, value]) => ({ key, value })),
    startSsh: body.startSsh ?? false,
  };
  if (body.mounts?.network?.[0]) input.networkVolumeId = body.mounts.network[0].volumeId;
  if (body.dataCenterIds) input.dataCenterIds = body.dataCenterIds;
  if (body.gpu?.minCudaVersion) input.minCudaVersion = body.gpu.minCudaVersion;
  if (body.gpu?.allowedCudaVersions) input.allowedCudaVersions = body.gpu.allowedCudaVersions;
  return input;
}

function catalogFilter(query: URLSearchParams) {
  const include = query.get('include');
  const cloud = query.get('cloud');
  const countries = query.get('countryCodes');
  if ((cloud || countries) && include !== 'AVAILABILITY') {
    throw new Problem(400, '`cloud` and `countryCodes` need include=AVAILABILITY');
  }
  if (include && !query.get('product')) throw new Problem(400, '`product` is required with `include`');
  return {
    cloud: (cloud ?? 'SECURE') as 'SECURE' | 'COMMUNITY',
    countryCodes: countries ? countries.split(',') : undefined,
    withAvailability: include === 'AVAILABILITY',
  };
}

function podOr404(sim: RunPodSimulator, id: string | undefined) {
  const pod = id ? sim.pods.get(id) : undefined;
  if (!pod) throw new Problem(404, `pod ${id ?? ''} not found`);
  return pod;
}

async function podAction(sim: RunPodSimulator, id: string | undefined, action: string): Promise<V2Answer> {
  const pod = podOr404(sim, id);
  const status = observedStatus(pod);
  if (!ALLOWED_ACTIONS[status].includes(action)) {
    throw new Problem(409, `action not valid for current pod status: ${action} on a ${status} pod`);
  }
  try {
    if (action === 'start') sim.resume(pod.id);
    if (action === 'stop') await sim.stop(pod.id);
    if (action === 'restart') {
      await sim.stop(pod.id);
      sim.resume(pod.id);
    }
  } catch (error) {
    throw refused(error);
  }
  if (action === 'terminate') {
    await sim.terminate(pod.id);
    return { status: 204 };
  }
  return { status: 200, body: podView(sim, sim.pod(pod.id)) };
}

/** Carries out one validated request against the simulated account. */
export async function runOperation(
  sim: RunPodSimulator,
  operationId: string,
  id: string | undefined,
  query: URLSearchParams,
  body: unknown,
): Promise<V2Answer> {
  switch (operationId) {
    case 'listPods':
      return { status: 200, body: { pods: [...sim.pods.values()].filter((pod) => sim.listed(pod.id)).map((pod) => podView(sim, pod)) } };
    case 'getPod':
      return { status: 200, body: podView(sim, podOr404(sim, id)) };
    case 'createPod': {
      sim.deployInputs.push({ ...(body as object) });
      try {
        return { status: 201, body: podView(sim, sim.deploy(deployInput(body as CreatePodBody))) };
      } catch (error) {
        throw refused(error);
      }
    }
    case 'podAction':
      return podAction(sim, id, (body as { action: string }).action);
    case 'deletePod':
      await sim.terminate(podOr404(sim, id).id);
      return { status: 204 };
    case 'listGpuTypes':
      return { status: 200, body: gpuTypesView(sim, catalogFilter(query)) };
    case 'getGpuType': {
      const gpu = SIM_GPU_TYPES.find((candidate) => candidate.id === id);
      if (!gpu) throw new Problem(404, `GPU type ${id ?? ''} not found`);
      return { status: 200, body: gpuTypeView(sim, gpu, catalogFilter(query)) };
    }
    case 'listDataCenters':
      return { status: 200, body: dataCentersView(sim, (query.get('include') ?? '').split(',').includes('GPU_AVAILABILITY')) };
    case 'listNetworkVolumes':
      return { status: 200, body: { networkVolumes: [] } };
    case 'getSshKeys':
      return { status: 200, body: { keys: sim.accountPubKey.split('\n').filter(Boolean) } };
    case 'getPodLogs': {
      const pod = podOr404(sim, id);
      const since = query.get('since');
      return {
        status: 200,
        stream: { podId: pod.id, tail: Number(query.get('tail') ?? 100), source: query.get('source'), since: since ? Date.parse(since) : null },
      };
    }
    default:
      throw new Problem(404, `no route for ${operationId}`);
  }
}
