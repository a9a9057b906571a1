import type { Pod } from '../runpod/api.js';

/**
 * Set in the environment of every pod the bot deploys, with a value unique to that deploy: a pod
 * whose deploy answer was lost is recognised by it, never guessed from its name.
 */
export const DEPLOY_NONCE_ENV = 'MONAI_POD_BOT_DEPLOY';

export function isGone(pod: Pod | null): boolean {
  return !pod || pod.desiredStatus === 'TERMINATED';
}

/** Pods named `name` that still exist, other than `exceptId`. */
export function namesakesOf(pods: readonly Pod[], name: string, exceptId: string | null): Pod[] {
  return pods.filter((pod) => pod.name === name && pod.id !== exceptId && !isGone(pod));
}

/** The pod a deploy with `nonce` created, if a listing shows it. */
export function podOfDeploy(pods: readonly Pod[], nonce: string): Pod | undefined {
  return pods.find((pod) => pod.env[DEPLOY_NONCE_ENV] === nonce && !isGone(pod));
}

/** With no pinned pod, an existing pod of the name is adopted rather than a second one deployed: a running one first. */
export function adoptionCandidate(namesakes: readonly Pod[]): Pod | undefined {
  return namesakes.find((pod) => pod.desiredStatus === 'RUNNING') ?? namesakes[0];
}
