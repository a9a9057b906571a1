import type { Pod } from '../runpod/api.js';
import { podEndpoints, type PodEndpoints } from './endpoints.js';

/** What the start loop remembers between observations (persisted, so a restart continues). */
export interface StartMemory {
  /** A deploy request was sent; never send a second one for the same operation. */
  deployRequested: boolean;
  resumeRequested: boolean;
  podId: string | null;
  /** When this operation resumed or deployed the pod: a runtime older than that is stale. */
  bootedAt?: number | null;
}

/** Uptime may lag the resume call by this much before the runtime counts as left over. */
const UPTIME_SLACK_SECONDS = 60;

export type StartStep =
  | { kind: 'deploy' }
  | { kind: 'resume'; pod: Pod }
  | { kind: 'wait'; reason: 'deploy-pending' | 'initializing' | 'ports'; pod: Pod | null }
  | { kind: 'ready'; pod: Pod; endpoints: PodEndpoints };

/** The next step towards a running pod with its ports mapped, from what RunPod reports now. */
export function decideStart(pod: Pod | null, memory: StartMemory, now = 0): StartStep {
  if (!pod || pod.desiredStatus === 'TERMINATED') {
    return memory.deployRequested ? { kind: 'wait', reason: 'deploy-pending', pod: null } : { kind: 'deploy' };
  }
  if (pod.desiredStatus !== 'RUNNING') return { kind: 'resume', pod };
  // RUNNING alone is not readiness: the runtime and both public mappings must be there.
  if (!pod.runtime) return { kind: 'wait', reason: 'initializing', pod };
  // Right after a resume RunPod may still report the previous container's runtime and ports.
  const uptime = pod.runtime.uptimeSeconds;
  if (memory.bootedAt && uptime !== null && uptime > (now - memory.bootedAt) / 1000 + UPTIME_SLACK_SECONDS) {
    return { kind: 'wait', reason: 'initializing', pod };
  }
  const endpoints = podEndpoints(pod);
  if (!endpoints) return { kind: 'wait', reason: 'ports', pod };
  return { kind: 'ready', pod, endpoints };
}

export type StopStep = { kind: 'absent' } | { kind: 'stop'; pod: Pod } | { kind: 'wait'; pod: Pod } | { kind: 'stopped'; pod: Pod };

export function decideStop(pod: Pod | null, stopRequested: boolean): StopStep {
  if (!pod || pod.desiredStatus === 'TERMINATED') return { kind: 'absent' };
  if (pod.desiredStatus === 'EXITED') return { kind: 'stopped', pod };
  return stopRequested ? { kind: 'wait', pod } : { kind: 'stop', pod };
}
