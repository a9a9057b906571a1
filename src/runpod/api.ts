/**
 * RunPod in the bot's own terms, implemented by the REST v2 adapter (the default) and the GraphQL
 * one (RunPod retires GraphQL in early 2027). The rest of the bot does not know which one runs.
 */

/**
 * The state the bot reasons about, as GraphQL's desiredStatus: 'RUNNING' covers v2's PROVISIONING
 * and STARTING (with a null runtime, as GraphQL shows them); 'ERROR' exists only on v2.
 */
export type PodStatus = 'RUNNING' | 'EXITED' | 'TERMINATED' | 'ERROR' | (string & {});

/** REST v2's observed state; GraphQL has no such field. */
export type ObservedStatus = 'PROVISIONING' | 'STARTING' | 'RUNNING' | 'EXITED' | 'ERROR' | 'TERMINATED';

export type CloudType = 'COMMUNITY' | 'SECURE';
export type Availability = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

/** Where the bot deploys: prices and stock are read for this cloud and country. */
export interface Placement {
  cloudType: CloudType | 'ALL';
  countryCode: string;
}

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
  /** What RunPod observes (v2 only; undefined over GraphQL). */
  observedStatus?: ObservedStatus;
  /** Actions RunPod allows now, e.g. ['start', 'terminate'] on an ERROR pod (v2 only). */
  actions?: readonly string[];
}

export interface Account {
  balance: number;
  spendPerHr: number;
  spendLimit: number | null;
}

export interface Snapshot {
  pods: Pod[];
  /**
   * Null when RunPod did not say: v2 has no balance route, and its adapter reads the balance over
   * GraphQL, which may fail or be gone. Never a made-up $0.
   */
  account: Account | null;
}

export interface GpuTypeInfo {
  id: string;
  displayName: string;
  memoryInGb: number | null;
  /** On-demand price for one GPU, dollars per hour, when RunPod reports it. */
  pricePerHr: number | null;
  stockStatus: string | null;
  /** The cloud the price and stock are for (the deploy placement's; COMMUNITY first for ALL). */
  cloudType?: CloudType;
  /** v2's availability in the placement's country; null when RunPod gave none. */
  availability?: Availability | null;
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
  /** All pods and the account (one request over GraphQL; v2 adds one GraphQL read for the balance). */
  snapshot(signal?: AbortSignal): Promise<Snapshot>;
  getPod(podId: string, signal?: AbortSignal): Promise<Pod | null>;
  deploy(spec: DeploySpec, signal?: AbortSignal): Promise<Pod>;
  resume(podId: string, gpuCount: number, signal?: AbortSignal): Promise<Pod>;
  stop(podId: string, signal?: AbortSignal): Promise<Pod>;
  terminate(podId: string, signal?: AbortSignal): Promise<void>;
  /** Prices and stock for the cloud and country the bot deploys to. */
  gpuTypes(ids: readonly string[], signal?: AbortSignal): Promise<GpuTypeInfo[]>;
  /** The last lines RunPod logged for a pod (container and system), oldest first; null when this API has no pod logs (GraphQL). */
  logs(podId: string, lines: number, signal?: AbortSignal): Promise<string[] | null>;
}
