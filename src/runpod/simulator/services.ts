import type { Target } from './ports.js';

export interface BootInfo {
  podId: string;
  env: Readonly<Record<string, string>>;
  /** Declared ports, e.g. [{ port: 8000, protocol: 'tcp' }, { port: 22, protocol: 'tcp' }]. */
  ports: readonly { port: number; protocol: string }[];
  volumeMountPath: string;
  /** The host's GPU and the newest CUDA its driver supports (what nvidia-smi shows inside). */
  gpuName: string;
  driverCuda: string;
}

/**
 * What runs inside a simulated pod's container. RunPod's images start sshd (when PUBLIC_KEY is
 * set) and whatever the user starts later; an implementation says where, on loopback, each
 * private port is served.
 */
export interface PodServices {
  boot(pod: BootInfo): Promise<ReadonlyMap<number, Target>>;
  /** The container stops: processes end, the volume stays. */
  halt(podId: string): Promise<void>;
  /** The pod is terminated: the volume is gone too. */
  destroy(podId: string): Promise<void>;
  close(): Promise<void>;
}

/** A container with nothing listening: ports are mapped but refuse connections. */
export const emptyContainer: PodServices = {
  boot: async () => new Map(),
  halt: async () => {},
  destroy: async () => {},
  close: async () => {},
};

/** Fixed services, e.g. a test's own sshd and MONAI Label stand-in. */
export function fixedServices(targets: ReadonlyMap<number, Target>): PodServices {
  return { ...emptyContainer, boot: async () => targets };
}
