import { GraphQLClient } from 'graphql-request';
import { BotError, isBotError } from '../errors.js';
import type { Account, DeploySpec, GpuTypeInfo, Placement, Pod, RunPodApi, Snapshot } from './api.js';
import { retryRunPodCall, USER_AGENT, type RunPodConnection } from './connection.js';
import { classifyRunPodFailure, unknownGpuTypeError } from './errors.js';
import * as ops from './operations.js';

export interface GraphQLRunPodOptions extends RunPodConnection {
  /** Where the bot deploys: gpuTypes() prices that cloud and country. */
  placement?: Placement;
}

function parseEnv(entries: (string | null)[] | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    if (!entry) continue;
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

export function toPod(wire: ops.WirePod): Pod {
  return {
    id: wire.id,
    name: wire.name,
    desiredStatus: wire.desiredStatus,
    lastStatusChange: wire.lastStatusChange,
    gpuCount: wire.gpuCount,
    gpuDisplayName: wire.machine?.gpuDisplayName ?? null,
    costPerHr: wire.costPerHr,
    volumeInGb: wire.volumeInGb ?? 0,
    networkVolumeId: wire.networkVolumeId,
    env: parseEnv(wire.env),
    runtime: wire.runtime
      ? {
          uptimeSeconds: wire.runtime.uptimeInSeconds,
          ports: (wire.runtime.ports ?? []).flatMap((port) =>
            port && port.ip !== null && port.privatePort !== null && port.publicPort !== null
              ? [{ ip: port.ip, isIpPublic: port.isIpPublic === true, privatePort: port.privatePort, publicPort: port.publicPort, type: port.type ?? '' }]
              : [],
          ),
          gpus: (wire.runtime.gpus ?? []).flatMap((gpu) =>
            gpu ? [{ id: gpu.id ?? '', utilPercent: gpu.gpuUtilPercent, memoryUtilPercent: gpu.memoryUtilPercent }] : [],
          ),
        }
      : null,
  };
}

/** RunPodApi over RunPod's GraphQL endpoint, with typed errors and bounded retries. */
export class GraphQLRunPod implements RunPodApi {
  private readonly client: GraphQLClient;

  constructor(private readonly options: GraphQLRunPodOptions) {
    this.client = new GraphQLClient(options.url, {
      headers: { Authorization: `Bearer ${options.apiKey}`, 'User-Agent': USER_AGENT },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  private async once<T>(operation: string, document: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const data = await this.client.request<T>({ document, variables, signal: combined });
      this.options.onCall?.({ ok: true, operation });
      return data;
    } catch (error) {
      if (signal?.aborted) throw error;
      const classified = classifyRunPodFailure(error);
      this.options.onCall?.({ ok: false, operation, error: classified });
      throw classified;
    }
  }

  /** Queries and idempotent mutations are retried; deploy is not (see deploy()). */
  private call<T>(operation: string, document: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    return retryRunPodCall(() => this.once<T>(operation, document, variables, signal), this.options, operation, signal);
  }

  async snapshot(signal?: AbortSignal): Promise<Snapshot> {
    const data = await this.call<{
      myself: { clientBalance: number | null; currentSpendPerHr: number | null; spendLimit: number | null; pods: ops.WirePod[] } | null;
    }>('snapshot', ops.SNAPSHOT, {}, signal);
    // A key that resolves to no identity answers 200 with myself: null.
    if (!data.myself) throw new BotError('RUNPOD_AUTH');
    const account: Account = {
      balance: data.myself.clientBalance ?? 0,
      spendPerHr: data.myself.currentSpendPerHr ?? 0,
      spendLimit: data.myself.spendLimit,
    };
    return { pods: data.myself.pods.map(toPod), account };
  }

  async getPod(podId: string, signal?: AbortSignal): Promise<Pod | null> {
    const data = await this.call<{ pod: ops.WirePod | null }>('pod', ops.ONE_POD, { input: { podId } }, signal);
    return data.pod ? toPod(data.pod) : null;
  }

  /**
   * Not retried here: a deploy whose answer was lost may still have created a pod. The
   * reconciler lists pods by name before it deploys again.
   */
  async deploy(spec: DeploySpec, signal?: AbortSignal): Promise<Pod> {
    const input = {
      name: spec.name,
      imageName: spec.imageName,
      gpuTypeId: spec.gpuTypeId,
      gpuCount: spec.gpuCount,
      cloudType: spec.cloudType,
      ...(spec.countryCode ? { countryCode: spec.countryCode } : {}),
      containerDiskInGb: spec.containerDiskInGb,
      volumeInGb: spec.volumeInGb,
      volumeMountPath: spec.volumeMountPath,
      ports: spec.ports,
      startSsh: spec.startSsh,
      supportPublicIp: spec.supportPublicIp,
      ...(spec.minCudaVersion ? { minCudaVersion: spec.minCudaVersion } : {}),
      env: Object.entries(spec.env).map(([key, value]) => ({ key, value })),
    };
    try {
      const data = await this.once<{ podFindAndDeployOnDemand: ops.WirePod | null }>('deploy', ops.DEPLOY, { input }, signal);
      // RunPod sometimes reports a capacity refusal as null without errors.
      if (!data.podFindAndDeployOnDemand) {
        throw new BotError('RUNPOD_NO_CAPACITY', { message: `RunPod has no ${spec.gpuTypeId} available right now.` });
      }
      return toPod(data.podFindAndDeployOnDemand);
    } catch (error) {
      if (isBotError(error, 'RUNPOD_UNKNOWN_GPU_TYPE')) throw unknownGpuTypeError(spec.gpuTypeId, error);
      if (isBotError(error, 'RUNPOD_NO_CAPACITY') && (await this.isUnknownGpuType(spec.gpuTypeId, signal))) throw unknownGpuTypeError(spec.gpuTypeId, error);
      throw error;
    }
  }

  /**
   * RunPod refuses a GPU type it does not have with the same words as one that is sold out; its
   * catalog tells them apart (it answers an empty list for an unknown id). Unknown only when the
   * catalog says so: if it cannot be read, the refusal stays "no capacity".
   */
  private async isUnknownGpuType(gpuTypeId: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const known = await this.gpuTypes([gpuTypeId], signal);
      return !known.some((gpu) => gpu.id === gpuTypeId);
    } catch {
      return false;
    }
  }

  async resume(podId: string, gpuCount: number, signal?: AbortSignal): Promise<Pod> {
    const data = await this.call<{ podResume: ops.WirePod | null }>('resume', ops.RESUME, { input: { podId, gpuCount } }, signal);
    if (!data.podResume) throw new BotError('RUNPOD_HOST_FULL');
    return toPod(data.podResume);
  }

  async stop(podId: string, signal?: AbortSignal): Promise<Pod> {
    const data = await this.call<{ podStop: ops.WirePod | null }>('stop', ops.STOP, { input: { podId } }, signal);
    if (!data.podStop) throw new BotError('STOP_NOT_CONFIRMED');
    return toPod(data.podStop);
  }

  async terminate(podId: string, signal?: AbortSignal): Promise<void> {
    await this.call('terminate', ops.TERMINATE, { input: { podId } }, signal);
  }

  async gpuTypes(ids: readonly string[], signal?: AbortSignal): Promise<GpuTypeInfo[]> {
    const placement = this.options.placement;
    const secure = placement?.cloudType === 'SECURE';
    const data = await this.call<{ gpuTypes: (ops.WireGpuType | null)[] | null }>(
      'gpuTypes',
      ops.GPU_TYPES,
      { input: { ids: [...ids] }, price: { gpuCount: 1, secureCloud: secure, ...(placement ? { countryCode: placement.countryCode } : {}) } },
      signal,
    );
    return (data.gpuTypes ?? []).flatMap((gpu) =>
      gpu?.id
        ? [
            {
              id: gpu.id,
              displayName: gpu.displayName ?? gpu.id,
              memoryInGb: gpu.memoryInGb,
              pricePerHr: gpu.lowestPrice?.uninterruptablePrice ?? gpu.communityPrice ?? gpu.securePrice ?? null,
              stockStatus: gpu.lowestPrice?.stockStatus ?? null,
              cloudType: secure ? ('SECURE' as const) : ('COMMUNITY' as const),
            },
          ]
        : [],
    );
  }

  /** GraphQL has no pod logs. */
  async logs(): Promise<null> {
    return null;
  }
}
