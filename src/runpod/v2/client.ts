import { BotError, isBotError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Clock } from '../../util/clock.js';
import type { CloudType, DeploySpec, GpuTypeInfo, Placement, Pod, RunPodApi, Snapshot } from '../api.js';
import { GraphQLBalance } from './balance.js';
import { createPodBody } from './bodies.js';
import { cloudName, V2Catalog } from './catalog.js';
import { readLogTail } from './logs.js';
import { V2Failure } from './problems.js';
import { toPod } from './to-pod.js';
import { V2Transport, type V2TransportOptions } from './transport.js';
import { wirePod, wirePodList } from './wire.js';

export interface RestV2RunPodOptions extends V2TransportOptions {
  /** GraphQL, for the balance only. */
  graphqlUrl: string;
  /** Where the bot deploys: catalog prices and stock are read for it. */
  placement: Placement;
  /** How long a log stream may stay silent before the bot takes the backfill as complete. */
  logQuietMs?: number;
  /** How long a balance read over GraphQL is reused (default a minute). */
  balanceMaxAgeMs?: number;
}

const clouds = (cloudType: DeploySpec['cloudType']): CloudType[] => (cloudType === 'ALL' ? ['COMMUNITY', 'SECURE'] : [cloudType]);

/** RunPodApi over RunPod's REST API v2 (https://api.runpod.io/v2), the balance over GraphQL. */
export class RestV2RunPod implements RunPodApi {
  private readonly http: V2Transport;
  private readonly catalog: V2Catalog;
  private readonly balance: GraphQLBalance;
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(private readonly options: RestV2RunPodOptions) {
    this.http = new V2Transport(options);
    this.logger = options.logger;
    this.clock = options.clock;
    this.catalog = new V2Catalog(this.http, options.clock, options.logger);
    this.balance = new GraphQLBalance({
      url: options.graphqlUrl,
      apiKey: options.apiKey,
      clock: options.clock,
      logger: options.logger,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.balanceMaxAgeMs !== undefined ? { maxAgeMs: options.balanceMaxAgeMs } : {}),
    });
  }

  private pod(answer: unknown): Pod {
    const parsed = wirePod.safeParse(answer);
    if (!parsed.success) throw new BotError('RUNPOD_TRANSIENT', { message: 'RunPod sent a pod the bot cannot read.' });
    return toPod(parsed.data, this.catalog.names);
  }

  /** Pods first: when they cannot be read there is nothing to show, and no balance is asked for. */
  async snapshot(signal?: AbortSignal): Promise<Snapshot> {
    const answer = await this.http.call({ operation: 'snapshot', method: 'GET', path: '/pods', idempotent: true }, signal);
    const parsed = wirePodList.safeParse(answer);
    if (!parsed.success) throw new BotError('RUNPOD_TRANSIENT', { message: 'RunPod sent a pod list the bot cannot read.' });
    const pods = parsed.data.pods.map((pod) => toPod(pod, this.catalog.names));
    return { pods, account: await this.balance.read(signal) };
  }

  async getPod(podId: string, signal?: AbortSignal): Promise<Pod | null> {
    try {
      return this.pod(await this.http.call({ operation: 'pod', method: 'GET', path: `/pods/${encodeURIComponent(podId)}`, idempotent: true }, signal));
    } catch (error) {
      if (error instanceof V2Failure && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * One GPU type per request, in each cloud the setting allows (ALL: Community, then Secure, as
   * v2 has no ALL), placed in the configured country's data centers. Never retried: a create
   * whose answer was lost may have created a pod, and the start loop looks for it first.
   */
  async deploy(spec: DeploySpec, signal?: AbortSignal): Promise<Pod> {
    const tried: string[] = [];
    for (const cloud of clouds(spec.cloudType)) {
      const dataCenterIds = await this.catalog.dataCenterIds(cloud, spec.countryCode, signal);
      try {
        if (dataCenterIds.length === 0) {
          throw new BotError('RUNPOD_NO_CAPACITY', { message: `RunPod lists no ${cloudName(cloud)} data center in ${spec.countryCode}.` });
        }
        const answer = await this.http.call({ operation: 'deploy', method: 'POST', path: '/pods', body: createPodBody(spec, cloud, dataCenterIds), idempotent: false }, signal);
        return this.pod(answer);
      } catch (error) {
        if (!isBotError(error, 'RUNPOD_NO_CAPACITY')) throw error;
        tried.push(cloudName(cloud));
        if (cloud !== clouds(spec.cloudType).at(-1)) {
          this.logger.info('no capacity in this cloud, trying the next', { gpuTypeId: spec.gpuTypeId, cloud });
          continue;
        }
        if (tried.length > 1) throw new BotError('RUNPOD_NO_CAPACITY', { message: `RunPod has no ${spec.gpuTypeId} in ${tried.join(' or ')} right now.` });
        throw error;
      }
    }
    throw new BotError('RUNPOD_NO_CAPACITY');
  }

  /**
   * start/stop through /action. A 409 means the pod is not in a state for it (it is already
   * starting, already stopped…): RunPod's real status is read back and returned, not shown as an error.
   */
  private async action(podId: string, action: 'start' | 'stop', signal?: AbortSignal): Promise<Pod> {
    try {
      return this.pod(
        await this.http.call({ operation: action === 'start' ? 'resume' : 'stop', method: 'POST', path: `/pods/${encodeURIComponent(podId)}/action`, body: { action }, idempotent: true }, signal),
      );
    } catch (error) {
      if (!(error instanceof V2Failure) || error.status !== 409) throw error;
      const pod = await this.getPod(podId, signal);
      if (!pod) throw new BotError('POD_GONE');
      this.logger.info('RunPod refused the action for the pod’s status; read it back', { podId, action, status: pod.observedStatus ?? pod.desiredStatus });
      return pod;
    }
  }

  /** A v2 resume keeps the pod's GPU count: there is nothing to pass. */
  resume(podId: string, _gpuCount: number, signal?: AbortSignal): Promise<Pod> {
    return this.action(podId, 'start', signal);
  }

  stop(podId: string, signal?: AbortSignal): Promise<Pod> {
    return this.action(podId, 'stop', signal);
  }

  async terminate(podId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.call({ operation: 'terminate', method: 'DELETE', path: `/pods/${encodeURIComponent(podId)}`, idempotent: true }, signal);
    } catch (error) {
      // Already gone (or gone by an earlier attempt whose answer was lost): what was asked for.
      if (error instanceof V2Failure && error.status === 404) return;
      throw error;
    }
  }

  /** Prices and availability in the deploy placement's cloud (Community first for ALL) and country. */
  async gpuTypes(ids: readonly string[], signal?: AbortSignal): Promise<GpuTypeInfo[]> {
    const cloud = clouds(this.options.placement.cloudType)[0]!;
    const gpus = await this.catalog.gpus(cloud, this.options.placement.countryCode, signal);
    return gpus
      .filter((gpu) => ids.includes(gpu.id))
      .map((gpu) => ({
        id: gpu.id,
        displayName: gpu.name ?? gpu.id,
        memoryInGb: gpu.memory ?? null,
        pricePerHr: (cloud === 'SECURE' ? gpu.price?.secure : gpu.price?.community) ?? null,
        stockStatus: gpu.availability && gpu.availability !== 'NONE' ? gpu.availability.charAt(0) + gpu.availability.slice(1).toLowerCase() : null,
        cloudType: cloud,
        availability: gpu.availability ?? null,
      }));
  }

  logs(podId: string, lines: number, signal?: AbortSignal): Promise<string[]> {
    return readLogTail(this.http, podId, lines, {
      clock: this.clock,
      quietMs: this.options.logQuietMs ?? 1500,
      timeoutMs: this.options.timeoutMs ?? 30_000,
      signal,
    });
  }
}
