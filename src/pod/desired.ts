/**
 * What people (and the bot's own guards) want of the pod. Commands, buttons, the idle guard and
 * recovery only write this; the reconciler alone acts on RunPod and the pod.
 */

export type DesiredPhase = 'running' | 'stopped' | 'absent';

export interface DesiredState {
  podName: string;
  /** Grows by one with every change: the reconciler's memory belongs to one generation. */
  generation: number;
  phase: DesiredPhase;
  /** running: the models MONAI Label serves. */
  models: readonly string[];
  /** running: deploy a new pod instead of resuming the pinned one (it stays, stopped). */
  newPod: boolean;
  /** running: restart MONAI Label even if it serves these models (a new value per request). */
  restartNonce: number | null;
  /**
   * The pod this generation is about, once known. absent: always set (the pod the prompt named);
   * running/stopped: the pinned pod, or the one this generation deployed.
   */
  podId: string | null;
  requestedBy: string;
  requestedAt: number;
  /** The request (progress message) that follows this generation. */
  requestId: string;
}

export type Intent =
  | { kind: 'start'; models: readonly string[]; newPod: boolean }
  | { kind: 'restart'; models: readonly string[] }
  | { kind: 'stop' }
  | { kind: 'terminate'; podId: string };

export type IntentKind = Intent['kind'];

/** The next desired state for an intent. Pure. */
export function desiredFor(
  intent: Intent,
  previous: DesiredState | null,
  context: { podName: string; pinnedPodId: string | null; requestedBy: string; now: number; requestId: string },
): DesiredState {
  const base = {
    podName: context.podName,
    generation: (previous?.generation ?? 0) + 1,
    requestedBy: context.requestedBy,
    requestedAt: context.now,
    requestId: context.requestId,
  };
  switch (intent.kind) {
    case 'start':
      return { ...base, phase: 'running', models: [...intent.models], newPod: intent.newPod, restartNonce: null, podId: intent.newPod ? null : context.pinnedPodId };
    case 'restart':
      return { ...base, phase: 'running', models: [...intent.models], newPod: false, restartNonce: base.generation, podId: context.pinnedPodId };
    case 'stop':
      return { ...base, phase: 'stopped', models: previous?.models ?? [], newPod: false, restartNonce: null, podId: context.pinnedPodId };
    case 'terminate':
      return { ...base, phase: 'absent', models: previous?.models ?? [], newPod: false, restartNonce: null, podId: intent.podId };
  }
}

/** Two intents that ask for the same end state: the second joins the first. */
export function sameIntent(a: Intent, b: Intent): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'start' && b.kind === 'start') return a.newPod === b.newPod && sameModels(a.models, b.models);
  if (a.kind === 'restart' && b.kind === 'restart') return sameModels(a.models, b.models);
  if (a.kind === 'terminate' && b.kind === 'terminate') return a.podId === b.podId;
  return true;
}

function sameModels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((model, index) => model === b[index]);
}
