import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { HOURS_PER_MONTH, STORAGE_PRICES } from '../pricing.js';
import type { Clock } from '../../util/clock.js';
import { compareCuda, cudaOfImage } from '../images.js';
import { SIM_GPU_TYPES, type SimGpuType } from './catalog.js';
import { PublicPort, type Target } from './ports.js';
import type { PodServices } from './services.js';

export interface SimRuntime {
  startedAt: number;
  /** Set when the pod stops: the runtime stays readable, frozen, as RunPod leaves it. */
  frozenAt: number | null;
  ports: { ip: string; isIpPublic: boolean; privatePort: number; publicPort: number; type: string }[];
}

export interface SimLogLine {
  at: number;
  /** RunPod's two log sources: the container's output and the host's lifecycle lines. */
  source: 'container' | 'system';
  line: string;
}

export type SimObservedStatus = 'PROVISIONING' | 'STARTING' | 'RUNNING' | 'EXITED' | 'ERROR';

export interface SimPod {
  id: string;
  name: string;
  /** What was asked for, as GraphQL reports it; REST v2 reports observedStatus() instead. */
  desiredStatus: 'RUNNING' | 'EXITED';
  imageName: string;
  gpuType: SimGpuType;
  gpuCount: number;
  cloudType: string;
  costPerHr: number;
  containerDiskInGb: number;
  volumeInGb: number;
  volumeMountPath: string;
  declaredPorts: string;
  env: { key: string; value: string }[];
  networkVolumeId: string | null;
  machineId: string;
  podHostId: string;
  /** The newest CUDA the host's driver supports. */
  hostCuda: string;
  createdAt: number;
  lastStartedAt: number;
  lastStatusChange: string;
  runtime: SimRuntime | null;
  /** Ports reported on the first read after a resume, when stale reads are simulated. */
  staleRuntime: SimRuntime | null;
  gpuUtilPercent: number;
  /** Resume fails while true: someone else rented the GPU on this machine. */
  hostFull: boolean;
  bootTimer: NodeJS.Timeout | null;
  publicPorts: PublicPort[];
  dataCenterId: string;
  /** Where a boot stands until the container runs: RunPod first finds the machine, then pulls and starts. */
  bootPhase: 'PROVISIONING' | 'STARTING' | null;
  /** The last boot failed (v2 reports ERROR; GraphQL keeps showing RUNNING without a runtime). */
  failed: boolean;
  /** While set, every boot fails and logs these container lines (e.g. a broken image). */
  bootFailure: string[] | null;
  logs: SimLogLine[];
}

const MAX_LOG_LINES = 1000;

export function podLog(pod: SimPod, at: number, source: SimLogLine['source'], line: string): void {
  pod.logs.push({ at, source, line });
  if (pod.logs.length > MAX_LOG_LINES) pod.logs.splice(0, pod.logs.length - MAX_LOG_LINES);
}

export function observedStatus(pod: SimPod): SimObservedStatus {
  if (pod.desiredStatus === 'EXITED') return 'EXITED';
  if (pod.failed) return 'ERROR';
  if (pod.runtime && !pod.bootPhase) return 'RUNNING';
  return pod.bootPhase ?? 'PROVISIONING';
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function podId(): string {
  return [...randomBytes(14)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

export function businessError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

export function parseDeclaredPorts(ports: string): { port: number; protocol: string }[] {
  return ports
    .replace(/\s+/g, '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [port, protocol] = entry.split('/');
      const number = Number(port);
      if (!Number.isInteger(number) || number < 1 || (protocol !== 'tcp' && protocol !== 'http')) {
        throw businessError(`Invalid port specification: ${entry}`, 'BAD_USER_INPUT');
      }
      return { port: number, protocol };
    });
}

/** Dollars per hour a pod costs now: compute while running, storage always. */
export function podSpendPerHr(pod: SimPod): number {
  if (pod.desiredStatus === 'RUNNING') {
    const disk =
      (pod.volumeInGb * STORAGE_PRICES.volumeRunningPerGbMonth + pod.containerDiskInGb * STORAGE_PRICES.containerPerGbMonth) /
      HOURS_PER_MONTH;
    return pod.costPerHr + disk;
  }
  return pod.networkVolumeId ? 0 : (pod.volumeInGb * STORAGE_PRICES.volumeStoppedPerGbMonth) / HOURS_PER_MONTH;
}

export function gpuTypeById(id: string): SimGpuType | undefined {
  return SIM_GPU_TYPES.find((gpu) => gpu.id === id);
}

export interface BootOptions {
  services: PodServices;
  clock: Clock;
  delayMs: number;
  staleReads: boolean;
  onError: (error: unknown) => void;
}

function later(pod: SimPod, ms: number, then: () => void): void {
  pod.bootTimer = setTimeout(() => {
    pod.bootTimer = null;
    then();
  }, ms);
  pod.bootTimer.unref?.();
}

/**
 * Starts the container after the configured delay, half of it finding a machine (PROVISIONING),
 * half pulling and starting (STARTING); ports are fresh on every boot.
 */
export function scheduleBoot(pod: SimPod, options: BootOptions): void {
  cancelBoot(pod);
  const previous = pod.runtime;
  pod.runtime = null;
  pod.failed = false;
  pod.bootPhase = 'PROVISIONING';
  pod.staleRuntime = options.staleReads && previous ? { ...previous, frozenAt: null } : null;
  podLog(pod, options.clock.now(), 'system', `create container ${pod.imageName}`);
  later(pod, options.delayMs / 2, () => {
    pod.bootPhase = 'STARTING';
    podLog(pod, options.clock.now(), 'system', 'start container');
    // nvidia-container-cli refuses an image built for a newer CUDA than the host's driver: RunPod
    // leaves the pod RUNNING without a runtime, for ever.
    const needs = cudaOfImage(pod.imageName);
    if (needs && compareCuda(needs, pod.hostCuda) > 0) {
      podLog(pod, options.clock.now(), 'system', `nvidia-container-cli: requirement error: unsatisfied condition: cuda>=${needs}, please update your driver to a newer version, or use an earlier cuda container`);
      return;
    }
    later(pod, options.delayMs / 2, () => {
      if (pod.bootFailure) {
        pod.failed = true;
        pod.bootPhase = null;
        for (const line of pod.bootFailure) podLog(pod, options.clock.now(), 'container', line);
        podLog(pod, options.clock.now(), 'system', 'container exited with an error');
        return;
      }
      void boot(pod, options).then(
        () => {
          if (pod.desiredStatus === 'RUNNING') podLog(pod, options.clock.now(), 'container', 'container started');
        },
        options.onError,
      );
    });
  });
}

async function boot(pod: SimPod, options: BootOptions): Promise<void> {
  const env = Object.fromEntries(pod.env.map(({ key, value }) => [key, value]));
  const declared = parseDeclaredPorts(pod.declaredPorts);
  const targets: ReadonlyMap<number, Target> = await options.services.boot({
    podId: pod.id,
    env,
    ports: declared,
    volumeMountPath: pod.volumeMountPath,
    gpuName: pod.gpuType.id,
    driverCuda: pod.hostCuda,
  });
  if (pod.desiredStatus !== 'RUNNING') return;
  const ports: SimRuntime['ports'] = [];
  for (const { port, protocol } of declared) {
    const mapping = await PublicPort.open('127.0.0.1', port, targets.get(port) ?? null);
    pod.publicPorts.push(mapping);
    if (protocol === 'tcp') {
      // The public mapping, plus the private duplicate some hosts report. Every address is a
      // loopback one, and the private one has nothing behind it.
      ports.push({ ip: '127.0.0.1', isIpPublic: true, privatePort: port, publicPort: mapping.port, type: 'tcp' });
      ports.push({ ip: '127.0.0.2', isIpPublic: false, privatePort: port, publicPort: port, type: 'tcp' });
    } else {
      ports.push({ ip: '127.0.0.3', isIpPublic: false, privatePort: port, publicPort: mapping.port, type: 'http' });
    }
  }
  pod.runtime = { startedAt: options.clock.now(), frozenAt: null, ports };
  pod.bootPhase = null;
}

export function cancelBoot(pod: SimPod): void {
  if (pod.bootTimer) clearTimeout(pod.bootTimer);
  pod.bootTimer = null;
  pod.bootPhase = null;
}

export async function closePorts(pod: SimPod): Promise<void> {
  const ports = pod.publicPorts;
  pod.publicPorts = [];
  await Promise.all(ports.map((port) => port.close()));
}
