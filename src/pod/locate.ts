import type { Pod, RunPodApi, Snapshot } from '../runpod/api.js';
import type { PodRegistry } from '../store/store.js';
import { adoptionCandidate, isGone, namesakesOf } from './identity.js';
import { isOurs, type Installation } from './installation.js';

export interface LocatedPod {
  /** The pod the bot works with: the pinned one, or (with no pin) one of its own a start would take up again. */
  pod: Pod | null;
  pinnedId: string | null;
  /** Other pods of the same name: reported, never silently substituted for the pinned one. */
  namesakes: Pod[];
  /** Ids of the namesakes the bot neither deployed nor was told to adopt: reported, never configured. */
  foreign: ReadonlySet<string>;
}

/**
 * The pod of `podName` from a listing. A listing may miss a pod for a while (RunPod's lists are
 * eventually consistent), so a pinned pod missing from it is read by its id before anyone is
 * told it is gone. Without a pin, only a pod carrying the bot's mark (or adopted) is the bot's.
 */
export async function locatePod(
  deps: { runpod: RunPodApi; pods: PodRegistry; podName: string; installation: Installation },
  snapshot: Snapshot,
  signal?: AbortSignal,
): Promise<LocatedPod> {
  const pinnedId = (await deps.pods.get(deps.podName))?.podId ?? null;
  let pinned = pinnedId ? (snapshot.pods.find((pod) => pod.id === pinnedId) ?? null) : null;
  if (pinnedId && !pinned) pinned = await deps.runpod.getPod(pinnedId, signal);
  if (isGone(pinned)) pinned = null;
  const ownership = await deps.installation.ownership();
  const all = namesakesOf(snapshot.pods, deps.podName, pinnedId);
  const foreign = new Set(all.filter((pod) => !isOurs(pod, ownership)).map((pod) => pod.id));
  const pod = pinned ?? (pinnedId ? null : (adoptionCandidate(all.filter((candidate) => !foreign.has(candidate.id))) ?? null));
  return { pod, pinnedId, namesakes: all.filter((other) => other !== pod), foreign };
}
