/**
 * RunPod in the bot's own terms. The GraphQL adapter implements this today; a REST v2 adapter can
 * replace it when RunPod retires GraphQL (announced for early 2027), keeping the balance on GraphQL.
 */

export type PodStatus = 'RUNNING' | 'EXITED' | 'TERMINATED' | (string & {});

export interface PortMapping {
  ip: string;
  isIpPublic: boolean;
  privatePort: number;
  publicPort: number;
  type: string;
}

export interface GpuSample {
  id: string;
  utilPercent: number | null;
  memoryUtilPercent: number | null;
}

export interface PodRuntime {
  uptimeSeconds: number | null;
  ports: PortMapping[];
  gpus: GpuSample[];
}

export interface Pod {
  id: string;
  name: string;
  desiredStatus: PodStatus;
  /** Free text such as "Exited by user: <date>". */
  lastStatusChange: string | null;
  gpuCount: number;
  gpuDisplayName: string | null;
  costPerHr: number;
  volumeInGb: number;
  networkVolumeId: string | null;
  /** The pod's environment: the bot's deploy mark is read from it. */
  env: Record<string, string>;
  /** Null until the container runs; may be stale on an EXITED pod. */
  runtime: PodRuntime | null;
}

export interface Account {
  balance: number;
  spendPerHr: number;
  spendLimit: number | null;
}

export interface Snapshot {
  pods: Pod[];
  account: Account;
}

export interface GpuTypeInfo {
  id: string;
  displayName: string;
  memoryInGb: number | null;
  /** On-demand price for one GPU, dollars per hour, when RunPod reports it. */
  pricePerHr: number | null;
  stockStatus: string | null;
}

export interface DeploySpec {
  name: string;
  imageName: string;
  gpuTypeId: string;
  gpuCount: number;
  cloudType: 'COMMUNITY' | 'SECURE' | 'ALL';
  countryCode: string;
  containerDiskInGb: number;
  volumeInGb: number;
  volumeMountPath: string;
  ports: string;
  env: Record<string, string>;
  startSsh: boolean;
  supportPublicIp: boolean;
  /**
   * The newest CUDA the host's driver must support at least: the image's torch build (e.g. "12.4"
   * for a cu124 torch). A driver runs builds for its own and older CUDA, so a floor, not a list.
   */
  minCudaVersion?: string;
}

export interface RunPodApi {
  /** All pods and the account in one request. */
  snapshot(signal?: AbortSignal): Promise<Snapshot>;
  getPod(podId: string, signal?: AbortSignal): Promise<Pod | null>;
  deploy(spec: DeploySpec, signal?: AbortSignal): Promise<Pod>;
  resume(podId: string, gpuCount: number, signal?: AbortSignal): Promise<Pod>;
  stop(podId: string, signal?: AbortSignal): Promise<Pod>;
  terminate(podId: string, signal?: AbortSignal): Promise<void>;
  gpuTypes(ids: readonly string[], signal?: AbortSignal): Promise<GpuTypeInfo[]>;
}
