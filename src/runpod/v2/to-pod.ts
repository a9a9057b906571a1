import type { ObservedStatus, Pod, PodStatus } from '../api.js';
import type { WirePod } from './wire.js';

const OBSERVED: readonly string[] = ['PROVISIONING', 'STARTING', 'RUNNING', 'EXITED', 'ERROR', 'TERMINATED'];

/**
 * v2's observed status in the bot's terms: a pod being provisioned or started is RUNNING without
 * a runtime, exactly what GraphQL's desiredStatus shows then, so the rest of the bot needs no
 * second vocabulary. ERROR has no GraphQL counterpart and stays itself.
 */
export function statusOf(observed: string): PodStatus {
  return observed === 'PROVISIONING' || observed === 'STARTING' ? 'RUNNING' : observed;
}

/** "NVIDIA GeForce RTX 4090" → "RTX 4090": what RunPod's console calls it, when the catalog has not said. */
export function shortGpuName(id: string): string {
  return id.replace(/^(NVIDIA|AMD)\s+/, '').replace(/^GeForce\s+/, '') || id;
}

export function toPod(wire: WirePod, gpuNames: ReadonlyMap<string, string>): Pod {
  const persistent = wire.mounts?.persistent ?? null;
  const network = wire.mounts?.network?.[0] ?? null;
  const runtime = wire.runtime ?? null;
  const gpuId = wire.gpu?.id ?? null;
  return {
    id: wire.id,
    name: wire.name,
    desiredStatus: statusOf(wire.status),
    observedStatus: OBSERVED.includes(wire.status) ? (wire.status as ObservedStatus) : undefined,
    actions: wire.actions ?? [],
    // v2 has no "Exited by user: <date>" text.
    lastStatusChange: null,
    gpuCount: wire.gpu?.count ?? (gpuId ? 1 : 0),
    gpuDisplayName: gpuId ? gpuNames.get(gpuId) ?? shortGpuName(gpuId) : null,
    costPerHr: wire.cost ?? 0,
    volumeInGb: persistent?.size ?? 0,
    networkVolumeId: network?.volumeId ?? null,
    env: { ...(wire.env ?? {}) },
    runtime: runtime
      ? {
          uptimeSeconds: runtime.uptime ?? null,
          // Only mapped ports: v2 marks an unmapped one with a null public port or ip.
          ports: (runtime.ports ?? []).flatMap((port) =>
            port.public !== null && port.public !== undefined && port.ip
              ? [{ ip: port.ip, isIpPublic: true, privatePort: port.private, publicPort: port.public, type: port.type ?? '' }]
              : [],
          ),
          gpus: (runtime.gpus ?? []).map((gpu, index) => ({
            id: String(index),
            utilPercent: gpu.util ?? null,
            memoryUtilPercent: gpu.memoryUtil ?? null,
          })),
        }
      : null,
  };
}
