import { isIP } from 'node:net';
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

/** RunPod's answer ends up in URLs, SSH targets and messages: only an IP address and a port in range count. */
function usable(ip: unknown, port: unknown): boolean {
  return typeof ip === 'string' && isIP(ip) !== 0 && Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65_535;
}

/**
 * The public address RunPod maps to a private port. Only a RUNNING pod counts: a stopped pod
 * keeps its last (stale) runtime. Private duplicates, HTTP-proxy entries and mappings whose IP or
 * port does not parse are ignored (the pod is then not ready).
 */
export function publicEndpoint(pod: Pod, privatePort: number): Endpoint | null {
  if (pod.desiredStatus !== 'RUNNING' || !pod.runtime) return null;
  const mapping = pod.runtime.ports.find(
    (port) => port.privatePort === privatePort && port.isIpPublic && port.type === 'tcp' && usable(port.ip, port.publicPort),
  );
  return mapping ? { host: mapping.ip, port: mapping.publicPort } : null;
}

export function podEndpoints(pod: Pod): PodEndpoints | null {
  const api = publicEndpoint(pod, MONAI_PORT);
  const ssh = publicEndpoint(pod, SSH_PORT);
  return api && ssh ? { api, ssh } : null;
}

/** The public port's root: the gate answers 404 here to everyone. */
export function apiUrl(endpoint: Endpoint): string {
  const host = isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  return `http://${host}:${endpoint.port}`;
}

/** What the bot's own reads use: the root plus the secret path segment (MonaiApi appends /info/ and so on). */
export function secretBase(endpoint: Endpoint, token: string): string {
  return `${apiUrl(endpoint)}/${token}`;
}

/** The URL people paste into 3D Slicer: the capability itself. */
export function secretUrl(endpoint: Endpoint, token: string): string {
  return `${secretBase(endpoint, token)}/`;
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
