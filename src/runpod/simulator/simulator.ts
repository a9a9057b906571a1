import { type Clock, systemClock } from '../../util/clock.js';
import { compareCuda } from '../images.js';
import { dataCentersFor, SIM_GPU_TYPES } from './catalog.js';
import { startHttp, type HttpHandle } from './http.js';
import {
  cancelBoot,
  closePorts,
  gpuTypeById,
  parseDeclaredPorts,
  podId,
  podLog,
  podSpendPerHr,
  scheduleBoot,
  type SimPod,
} from './pods.js';
import { createRoot } from './resolvers.js';
import { emptyContainer, type PodServices } from './services.js';

export type Fault =
  /** An HTTP error with a small JSON body (429 may carry Retry-After). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** A Cloudflare-style HTML error page. */
  | { kind: 'html'; status: number }
  /** HTTP 200 with errors[] and the operation's data null, as RunPod reports its own failures. */
  | { kind: 'error'; message: string; code?: string }
  /** The answer arrives after a delay. */
  | { kind: 'slow'; ms: number }
  /** No answer at all until the client gives up. */
  | { kind: 'hang' }
  /** The connection is reset. */
  | { kind: 'reset' }
  /** RunPod does the work, then the edge gives up waiting and answers with an HTML page (Cloudflare's 524). */
  | { kind: 'lost'; status: number }
  /** REST v2: an RFC 9457 problem (e.g. a 422 with errors[]); GraphQL sends it as a JSON error body. */
  | { kind: 'problem'; status: number; detail: string; errors?: string[] };

export interface FaultRule {
  fault: Fault;
  remaining: number;
  /** A name in the call's fields (e.g. "stop", "podStop" or "podAction"); any request when absent. */
  operation: string | undefined;
}

/**
 * The account's operations in API-neutral names: each call is recorded with these and with its
 * wire names (GraphQL root fields, or a v2 operationId), so a test can say "the stop failed"
 * whichever API the bot uses.
 */
export type SimOperation =
  | 'listPods'
  | 'getPod'
  | 'deploy'
  | 'resume'
  | 'stop'
  | 'terminate'
  | 'gpuTypes'
  | 'dataCenters'
  | 'balance'
  | 'logs';

export interface CallRecord {
  at: number;
  api: 'graphql' | 'v2';
  /** Wire names and SimOperation names of what the request asked for. */
  fields: string[];
  status: number;
}

export interface SimulatorOptions {
  /** The one key the simulator accepts. */
  apiKey: string;
  /** REST v2 requests allowed per minute before a 429 (RunPod's documented example policy is 60). */
  v2RequestsPerMinute?: number;
  clock?: Clock;
  /** How long a pod's runtime stays null after a deploy or resume. */
  runtimeDelayMs?: number;
  /** First read after a resume reports the previous ports, as RunPod sometimes does. */
  staleReadsAfterResume?: boolean;
  balance?: number;
  spendLimit?: number;
  services?: PodServices;
  onError?: (error: unknown) => void;
  /**
   * The newest CUDA each host's driver supports, in the order RunPod would place a pod on them
   * (default: one 12.8 host). A deploy's minCudaVersion / allowedCudaVersions skip the hosts
   * that do not match; with none left the deploy is refused for lack of instances.
   */
  hostCudaVersions?: string[];
}

export const NO_CAPACITY_TEXT =
  'There are no longer any instances available with the requested specifications. Please refresh and try again.';

export const INSUFFICIENT_BALANCE_TEXT =
  'INSUFFICIENT_BALANCE: Renting this pod would put you over your current spending limit';

/** A RunPod GraphQL API on loopback, stateful, with faults a test can inject. */
export class RunPodSimulator {
  readonly pods = new Map<string, SimPod>();
  readonly calls: CallRecord[] = [];
  /** Every deploy input as received on the wire (GraphQL input or v2 body), for tests that check what the bot asked for. */
  readonly deployInputs: Record<string, unknown>[] = [];
  /** The same deploys in the simulator's own terms, whichever API they came through. */
  readonly deployRequests: DeployInput[] = [];
  readonly faults: FaultRule[] = [];
  /** GPUs free per type for deploys; absent = plenty. */
  readonly stock = new Map<string, number>();
  readonly clock: Clock;
  apiKey: string;
  accountPubKey = '';
  balance: number;
  spendLimit: number;
  lifetimeSpend = 0;
  runtimeDelayMs: number;
  staleReadsAfterResume: boolean;
  services: PodServices;
  v2RequestsPerMinute: number;
  /** GraphQL is gone (RunPod retires it in early 2027): /graphql answers 410; v2 keeps working. */
  graphqlRetired = false;
  hostCudaVersions: string[];
  private lastAccrual: number;
  private http: HttpHandle | null = null;
  /** Failures inside the simulator itself (not faults it was asked to inject). */
  readonly reportError: (error: unknown) => void;

  constructor(options: SimulatorOptions) {
    this.apiKey = options.apiKey;
    this.clock = options.clock ?? systemClock;
    this.runtimeDelayMs = options.runtimeDelayMs ?? 2000;
    this.staleReadsAfterResume = options.staleReadsAfterResume ?? false;
    this.balance = options.balance ?? 25;
    this.spendLimit = options.spendLimit ?? 80;
    this.services = options.services ?? emptyContainer;
    this.hostCudaVersions = options.hostCudaVersions ?? ['12.8'];
    this.reportError = options.onError ?? (() => {});
    this.v2RequestsPerMinute = options.v2RequestsPerMinute ?? 60;
    this.lastAccrual = this.clock.now();
  }

  /** The GraphQL endpoint (…/graphql). */
  get url(): string {
    if (!this.http) throw new Error('simulator not started');
    return this.http.url;
  }

  /** The REST v2 base (…/v2), on the same origin as GraphQL, as on api.runpod.io. */
  get v2Url(): string {
    return this.url.replace(/\/graphql$/, '/v2');
  }

  urlFor(api: 'v2' | 'graphql'): string {
    return api === 'v2' ? this.v2Url : this.url;
  }

  async start(): Promise<this> {
    this.http = await startHttp(this, createRoot(this));
    return this;
  }

  async close(): Promise<void> {
    for (const pod of this.pods.values()) {
      cancelBoot(pod);
      await closePorts(pod);
    }
    await this.services.close();
    await this.http?.close();
    this.http = null;
  }

  // ---- test and console controls

  inject(fault: Fault, options: { times?: number; operation?: string } = {}): void {
    this.faults.push({ fault, remaining: options.times ?? 1, operation: options.operation });
  }

  takeFault(fields: readonly string[]): Fault | undefined {
    const index = this.faults.findIndex((rule) => rule.remaining > 0 && (!rule.operation || fields.includes(rule.operation)));
    if (index < 0) return undefined;
    const rule = this.faults[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(index, 1);
    return rule.fault;
  }

  setGpuUtil(id: string, percent: number): void {
    this.pod(id).gpuUtilPercent = Math.round(percent);
  }

  /** RunPod's NAT stops forwarding one port: the mapping is still listed, connections are refused. */
  async breakPort(id: string, privatePort: number): Promise<void> {
    await Promise.all(this.pod(id).publicPorts.filter((port) => port.privatePort === privatePort).map((port) => port.close()));
  }

  /** The next `listings` pod listings leave this pod out, as an eventually consistent list can. */
  hideFromListing(id: string, listings: number): void {
    this.hidden.set(id, listings);
  }

  /** Newly deployed pods are left out of this many listings after their deploy. */
  listingLag = 0;

  /** Whether a listing shows the pod now (and counts the listing against any hiding). */
  listed(id: string): boolean {
    const left = this.hidden.get(id) ?? 0;
    if (left <= 0) return true;
    this.hidden.set(id, left - 1);
    return false;
  }

  private readonly hidden = new Map<string, number>();

  setHostFull(id: string, full: boolean): void {
    this.pod(id).hostFull = full;
  }

  /** Every boot of the pod fails with these container lines until cleared (null). */
  setBootFailure(id: string, lines: string[] | null): void {
    this.pod(id).bootFailure = lines;
  }

  callsTo(field: string): CallRecord[] {
    return this.calls.filter((call) => call.fields.includes(field));
  }

  pod(id: string): SimPod {
    const pod = this.pods.get(id);
    if (!pod) throw new Error(`no simulated pod ${id}`);
    return pod;
  }

  podByName(name: string): SimPod | undefined {
    return [...this.pods.values()].find((pod) => pod.name === name);
  }

  /** Adds a pod as if someone had created it in the RunPod console. */
  addPod(fields: Partial<SimPod> & { name: string }): SimPod {
    const gpuType = fields.gpuType ?? SIM_GPU_TYPES[0]!;
    const now = this.clock.now();
    const id = fields.id ?? podId();
    const pod: SimPod = {
      id,
      desiredStatus: 'EXITED',
      imageName: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
      gpuType,
      gpuCount: 1,
      cloudType: 'COMMUNITY',
      costPerHr: gpuType.communityPrice,
      containerDiskInGb: 10,
      volumeInGb: 30,
      volumeMountPath: '/workspace',
      declaredPorts: '8000/tcp,22/tcp',
      env: [],
      networkVolumeId: null,
      machineId: podId().slice(0, 12),
      podHostId: `${id}-${podId().slice(0, 8)}`,
      hostCuda: this.hostCudaVersions.at(-1) ?? '12.8',
      createdAt: now,
      lastStartedAt: now,
      lastStatusChange: `Exited by user: ${new Date(now).toString()}`,
      runtime: null,
      staleRuntime: null,
      gpuUtilPercent: 0,
      hostFull: false,
      bootTimer: null,
      publicPorts: [],
      dataCenterId: 'US-TX-3',
      bootPhase: null,
      failed: false,
      bootFailure: null,
      logs: [],
      ...fields,
    };
    this.pods.set(pod.id, pod);
    if (pod.desiredStatus === 'RUNNING' && !pod.runtime) this.boot(pod);
    return pod;
  }

  // ---- behaviour used by the resolvers

  /** Money accrues at the current spend rate; at $0 RunPod stops pods and terminates those without a network volume. */
  accrue(): void {
    const now = this.clock.now();
    const hours = Math.max(0, now - this.lastAccrual) / 3_600_000;
    this.lastAccrual = now;
    const spent = hours * this.spendPerHr();
    this.balance -= spent;
    this.lifetimeSpend += spent;
    if (this.balance > 0) return;
    this.balance = 0;
    for (const pod of [...this.pods.values()]) {
      if (!pod.networkVolumeId) void this.terminate(pod.id);
      else if (pod.desiredStatus === 'RUNNING') void this.stop(pod.id, 'Exited by Runpod');
    }
  }

  /** How much of a GPU type is left, as RunPod's catalog says it; NONE where the cloud has no data center in the country. */
  availability(gpuTypeId: string, cloud: 'COMMUNITY' | 'SECURE', countryCode?: string, dataCenterId?: string): 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' {
    if (dataCentersFor(cloud, countryCode, dataCenterId ? [dataCenterId] : undefined).length === 0) return 'NONE';
    const left = this.stock.get(gpuTypeId) ?? 8;
    return left <= 0 ? 'NONE' : left < 2 ? 'LOW' : left < 5 ? 'MEDIUM' : 'HIGH';
  }

  spendPerHr(): number {
    return [...this.pods.values()].reduce((sum, pod) => sum + podSpendPerHr(pod), 0);
  }

  boot(pod: SimPod): void {
    scheduleBoot(pod, {
      services: this.services,
      clock: this.clock,
      delayMs: this.runtimeDelayMs,
      staleReads: this.staleReadsAfterResume,
      onError: this.reportError,
    });
  }

  deploy(input: DeployInput): SimPod {
    this.deployRequests.push(input);
    const gpuType = gpuTypeById(input.gpuTypeId ?? '');
    const available = gpuType ? this.stock.get(gpuType.id) ?? Number.POSITIVE_INFINITY : 0;
    const clouds = input.cloudType === 'SECURE' ? (['SECURE'] as const) : input.cloudType === 'COMMUNITY' ? (['COMMUNITY'] as const) : (['COMMUNITY', 'SECURE'] as const);
    const dataCenter = clouds.flatMap((cloud) => dataCentersFor(cloud, input.countryCode, input.dataCenterIds))[0];
    const hostCuda = this.hostCudaVersions.find((cuda) => cudaAllowed(cuda, input));
    if (!gpuType || available < (input.gpuCount ?? 1) || !dataCenter || !hostCuda) {
      throw new Error(NO_CAPACITY_TEXT);
    }
    const costPerHr = (input.cloudType === 'SECURE' ? gpuType.securePrice : gpuType.communityPrice) * (input.gpuCount ?? 1);
    this.checkMoney(costPerHr);
    const declared = input.ports ?? '';
    parseDeclaredPorts(declared);
    const env = [...(input.env ?? [])];
    if (env.length > 50) throw new Error('A pod can have at most 50 environment variables.');
    if (input.startSsh && this.accountPubKey && !env.some((entry) => entry.key === 'PUBLIC_KEY')) {
      env.push({ key: 'PUBLIC_KEY', value: this.accountPubKey });
    }
    this.stock.set(gpuType.id, available - (input.gpuCount ?? 1));
    const lag = this.listingLag;
    const now = this.clock.now();
    const pod = this.addPod({
      name: input.name ?? '',
      desiredStatus: 'RUNNING',
      imageName: input.imageName ?? '',
      gpuType,
      gpuCount: input.gpuCount ?? 1,
      cloudType: input.cloudType ?? 'ALL',
      costPerHr,
      containerDiskInGb: input.containerDiskInGb ?? 50,
      volumeInGb: input.volumeInGb ?? 20,
      volumeMountPath: input.volumeMountPath ?? '/workspace',
      declaredPorts: declared,
      env,
      networkVolumeId: input.networkVolumeId ?? null,
      hostCuda,
      lastStatusChange: `Rented by User: ${new Date(now).toString()}`,
      dataCenterId: dataCenter.id,
    });
    if (lag > 0) this.hideFromListing(pod.id, lag);
    return pod;
  }

  resume(id: string): SimPod {
    const pod = this.pod(id);
    if (pod.desiredStatus === 'RUNNING' && !pod.failed) return pod;
    if (pod.hostFull) throw new Error('There are not enough free GPUs on the host machine to start this pod.');
    this.checkMoney(pod.costPerHr);
    pod.desiredStatus = 'RUNNING';
    pod.lastStartedAt = this.clock.now();
    pod.lastStatusChange = `Rented by User: ${new Date(pod.lastStartedAt).toString()}`;
    this.boot(pod);
    return pod;
  }

  async stop(id: string, by = 'Exited by user'): Promise<SimPod> {
    const pod = this.pod(id);
    if (pod.desiredStatus === 'EXITED') return pod;
    pod.desiredStatus = 'EXITED';
    pod.lastStatusChange = `${by}: ${new Date(this.clock.now()).toString()}`;
    cancelBoot(pod);
    pod.failed = false;
    podLog(pod, this.clock.now(), 'system', 'stop container');
    if (pod.runtime) pod.runtime.frozenAt = this.clock.now();
    await closePorts(pod);
    await this.services.halt(pod.id);
    return pod;
  }

  async terminate(id: string): Promise<void> {
    const pod = this.pods.get(id);
    if (!pod) return;
    this.pods.delete(id);
    cancelBoot(pod);
    await closePorts(pod);
    await this.services.destroy(id);
  }

  private checkMoney(costPerHr: number): void {
    if (this.spendPerHr() + costPerHr > this.spendLimit) {
      throw new Error(`${INSUFFICIENT_BALANCE_TEXT} ($${this.spendLimit.toFixed(2)}/hr)`);
    }
    // RunPod asks for at least one hour of the configuration in credit (error text invented here).
    if (this.balance < costPerHr) {
      throw new Error('INSUFFICIENT_BALANCE: Your balance is too low to rent this pod. Please add credits.');
    }
  }
}

/** A deploy in the simulator's terms (GraphQL's input shape; the v2 front end converts its body to it). */
export interface DeployInput {
  name?: string;
  imageName?: string;
  gpuTypeId?: string;
  gpuCount?: number;
  cloudType?: string;
  containerDiskInGb?: number;
  volumeInGb?: number;
  volumeMountPath?: string;
  ports?: string;
  env?: { key: string; value: string }[];
  startSsh?: boolean;
  networkVolumeId?: string;
  /** GraphQL's placement filter. */
  countryCode?: string;
  /** v2's placement filter. */
  dataCenterIds?: string[];
  minCudaVersion?: string;
  allowedCudaVersions?: string[];
}

/** A host qualifies when its driver's CUDA is at least minCudaVersion and, if a list is given, one of allowedCudaVersions. */
function cudaAllowed(hostCuda: string, input: DeployInput): boolean {
  if (input.minCudaVersion && compareCuda(hostCuda, input.minCudaVersion) < 0) return false;
  if (input.allowedCudaVersions && input.allowedCudaVersions.length > 0) return input.allowedCudaVersions.some((cuda) => compareCuda(cuda, hostCuda) === 0);
  return true;
}
