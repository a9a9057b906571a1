import type { GpuFacts } from '../monai/gpu.js';
import type { Observation } from './observation.js';

/**
 * What one generation of the desired state remembers between observations, persisted with it so
 * that a restarted bot carries on without repeating what it already did (above all: a deploy).
 */
export interface ReconcileMemory {
  generation: number;
  deploy: DeployMemory | null;
  resume: { attempts: number; lastAt: number } | null;
  /** When this generation resumed or deployed the pod: a runtime older than that is left over. */
  bootedAt: number | null;
  /** The new container's SSH host key may be learned (the old one was forgotten). */
  hostKeyReset: boolean;
  /** Stops sent, per pod id: attempts and the observations since the last one. */
  stops: Record<string, { attempts: number; polls: number }>;
  terminate: { attempts: number; polls: number } | null;
  /** First observation with the ports mapped: MONAI Label's deadline counts from there. */
  readyAt: number | null;
  sshFailingSince: number | null;
  infoFailures: number;
  infoFailingSince: number | null;
  /** The generation whose MONAI Label this bot started (or restarted) on the pod. */
  serverStartedFor: number | null;
  /** MONAI Label was installed by this generation (so the start was not a pure reuse). */
  installed: boolean;
  /** This generation (re)started the gate (e.g. after a new secret URL). */
  gateStarted?: boolean;
  /**
   * The GPU and the venv's torch as the last probe read them: the observation in which MONAI
   * Label answers needs no SSH, and the ready message still says why it runs on the CPU.
   */
  gpu?: GpuFacts | null;
}

export interface DeployMemory {
  /** Travels in the pod's environment (DEPLOY_NONCE_ENV), so a pod whose deploy answer was lost is recognised. */
  nonce: string;
  /** Index into GPU_TYPES of the type being tried. */
  gpuIndex: number;
  /** GPU types RunPod had no capacity for. */
  refusals: string[];
  /**
   * sending: recorded before the request left (a crash here may have created a pod);
   * lost: no clear answer — a pod may exist; refused: RunPod said no and created nothing;
   * confirmed: RunPod answered with the pod.
   */
  state: 'sending' | 'lost' | 'refused' | 'confirmed';
  sentAt: number;
  podId: string | null;
  /** RunPod refused with 429 and asked the bot to wait until then. */
  retryAt: number | null;
  rateLimited: number;
}

export function freshMemory(generation: number): ReconcileMemory {
  return {
    generation,
    deploy: null,
    resume: null,
    bootedAt: null,
    hostKeyReset: false,
    stops: {},
    terminate: null,
    readyAt: null,
    sshFailingSince: null,
    infoFailures: 0,
    infoFailingSince: null,
    serverStartedFor: null,
    installed: false,
    gateStarted: false,
  };
}

/** Folds one observation into the memory (counters and first-seen times). Pure. */
export function noteObservation(memory: ReconcileMemory, observation: Observation): ReconcileMemory {
  const next: ReconcileMemory = { ...memory, stops: { ...memory.stops } };
  for (const [podId, stop] of Object.entries(memory.stops)) next.stops[podId] = { ...stop, polls: stop.polls + 1 };
  if (memory.terminate) next.terminate = { ...memory.terminate, polls: memory.terminate.polls + 1 };
  const monai = observation.monai;
  if (monai) next.readyAt ??= observation.at;
  if (monai?.ssh.kind === 'failed') next.sshFailingSince ??= observation.at;
  else if (monai?.ssh.kind === 'connected') next.sshFailingSince = null;
  if (monai?.info.kind === 'error') {
    next.infoFailures = memory.infoFailures + 1;
    next.infoFailingSince ??= observation.at;
  } else if (monai) {
    next.infoFailures = 0;
    next.infoFailingSince = null;
  }
  const venvPython = monai?.volume?.venvPython;
  if (venvPython) next.gpu = { ...monai.volume!.gpu, torch: venvPython.torch, torchCuda: venvPython.torchCuda };
  return next;
}
