import type { Pod } from '../runpod/api.js';

export const MONAI_PORT = 8000;
export const SSH_PORT = 22;
export const DECLARED_PORTS = `${MONAI_PORT}/tcp,${SSH_PORT}/tcp`;

export interface Endpoint {
  host: string;
  port: number;
}

export interface PodEndpoints {
  api: Endpoint;
  ssh: Endpoint;
}

/**
 * The public address RunPod maps to a private port. Only a RUNNING pod counts: a stopped pod
 * keeps its last (stale) runtime. Private duplicates and HTTP-proxy entries are ignored.
 */
export function publicEndpoint(pod: Pod, privatePort: number): Endpoint | null {
  if (pod.desiredStatus !== 'RUNNING' || !pod.runtime) return null;
  const mapping = pod.runtime.ports.find(
    (port) => port.privatePort === privatePort && port.isIpPublic && port.type === 'tcp' && port.publicPort > 0,
  );
  return mapping ? { host: mapping.ip, port: mapping.publicPort } : null;
}

export function podEndpoints(pod: Pod): PodEndpoints | null {
  const api = publicEndpoint(pod, MONAI_PORT);
  const ssh = publicEndpoint(pod, SSH_PORT);
  return api && ssh ? { api, ssh } : null;
}

export function apiUrl(endpoint: Endpoint): string {
  return `http://${endpoint.host}:${endpoint.port}`;
}

/** Uptime may lag the resume call by this much before the runtime counts as left over. */
const UPTIME_SLACK_SECONDS = 60;

/**
 * The runtime belongs to the container started at `bootedAt` (null: not started by this request),
 * not to the one before a resume, whose uptime and ports RunPod may still report for a moment.
 */
export function runtimeIsCurrent(pod: Pod, bootedAt: number | null, now: number): boolean {
  const uptime = pod.runtime?.uptimeSeconds ?? null;
  return !(bootedAt !== null && uptime !== null && uptime > (now - bootedAt) / 1000 + UPTIME_SLACK_SECONDS);
}
