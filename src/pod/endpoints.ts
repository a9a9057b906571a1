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

/**
 * Names need not be unique on RunPod. Prefer the pod the bot last worked with, then a running
 * one, then any.
 */
export function pickPod(pods: readonly Pod[], name: string, preferredId?: string | null): Pod | null {
  const named = pods.filter((pod) => pod.name === name && pod.desiredStatus !== 'TERMINATED');
  return (
    named.find((pod) => pod.id === preferredId) ??
    named.find((pod) => pod.desiredStatus === 'RUNNING') ??
    named[0] ??
    null
  );
}
