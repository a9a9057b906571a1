import type { Pod, RunPodApi, Snapshot } from '../runpod/api.js';
import type { PodRegistry } from '../store/store.js';
import { adoptionCandidate, isGone, namesakesOf } from './identity.js';

export interface LocatedPod {
  /** The pod the bot works with: the pinned one, or (with no pin) the one a start would adopt. */
  pod: Pod | null;
  pinnedId: string | null;
  /** Other pods of the same name: reported, never silently substituted for the pinned one. */
  namesakes: Pod[];
}

/**
 * The pod of `podName` from a listing. A listing may miss a pod for a while (RunPod's lists are
 * eventually consistent), so a pinned pod missing from it is read by its id before anyone is
 * told it is gone.
 */
export async function locatePod(
  deps: { runpod: RunPodApi; pods: PodRegistry; podName: string },
  snapshot: Snapshot,
  signal?: AbortSignal,
): Promise<LocatedPod> {
  const pinnedId = (await deps.pods.get(deps.podName))?.podId ?? null;
  let pinned = pinnedId ? (snapshot.pods.find((pod) => pod.id === pinnedId) ?? null) : null;
  if (pinnedId && !pinned) pinned = await deps.runpod.getPod(pinnedId, signal);
  if (isGone(pinned)) pinned = null;
  const namesakes = namesakesOf(snapshot.pods, deps.podName, pinnedId);
  return { pod: pinned ?? (pinnedId ? null : (adoptionCandidate(namesakes) ?? null)), pinnedId, namesakes: pinnedId ? namesakes : namesakes.filter((pod) => pod !== adoptionCandidate(namesakes)) };
}
