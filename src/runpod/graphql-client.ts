import { GraphQLClient } from 'graphql-request';
import { BotError, isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Clock } from '../util/clock.js';
import { retry } from '../util/retry.js';
import type { Account, DeploySpec, GpuTypeInfo, Pod, RunPodApi, Snapshot } from './api.js';
import { classifyRunPodFailure } from './errors.js';
import * as ops from './operations.js';
import { VERSION } from '../version.js';

export interface GraphQLRunPodOptions {
  url: string;
  apiKey: string;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  timeoutMs?: number;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called after every HTTP exchange with RunPod; feeds /healthz and the benchmarks. */
  onCall?: (result: { ok: boolean; operation: string; error?: BotError }) => void;
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
      headers: {
        Authorization: `Bearer ${options.apiKey}`,
        // Cloudflare in front of RunPod blocks some default user agents.
        'User-Agent': `monai-pod-bot/${VERSION} (node ${process.version})`,
      },
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
    return retry(() => this.once<T>(operation, document, variables, signal), {
      attempts: this.options.attempts ?? 4,
      baseDelayMs: this.options.baseDelayMs ?? 500,
      maxDelayMs: this.options.maxDelayMs ?? 8_000,
      shouldRetry: (error) => isBotError(error) && error.retryable,
      requestedDelayMs: (error) =>
        isBotError(error) && error.retryAfterSeconds !== undefined ? Math.min(60, error.retryAfterSeconds) * 1000 : undefined,
      onRetry: (error, attempt, delayMs) =>
        this.options.logger.warn('RunPod call failed, retrying', {
          operation,
          attempt,
          delayMs: Math.round(delayMs),
          reason: isBotError(error) ? error.message : String(error),
        }),
      clock: this.options.clock,
      signal,
    });
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
    const data = await this.once<{ podFindAndDeployOnDemand: ops.WirePod | null }>('deploy', ops.DEPLOY, { input }, signal);
    // RunPod sometimes reports a capacity refusal as null without errors.
    if (!data.podFindAndDeployOnDemand) {
      throw new BotError('RUNPOD_NO_CAPACITY', { message: `RunPod has no ${spec.gpuTypeId} available right now.` });
    }
    return toPod(data.podFindAndDeployOnDemand);
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
    const data = await this.call<{ gpuTypes: (ops.WireGpuType | null)[] | null }>(
      'gpuTypes',
      ops.GPU_TYPES,
      { input: { ids: [...ids] }, price: { gpuCount: 1 } },
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
            },
          ]
        : [],
    );
  }
}
