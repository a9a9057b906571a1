import type { BotError } from '../errors.js';
import type { InfoAnswer } from '../monai/api.js';
import type { WatchFacts } from '../monai/on-pod.js';
import type { GateFacts, ServerFacts, VolumeFacts } from '../monai/pod-facts.js';
import type { Pod } from '../runpod/api.js';
import type { PodEndpoints } from './endpoints.js';
import type { Ownership } from './installation.js';

/**
 * What the reconciler knows of the world at one moment, as plain data. The observer fills in only
 * what the next decision can need: the pod first, MONAI Label's facts only once the pod is ready.
 */
export interface Observation {
  at: number;
  pod: PodReading;
  /**
   * Pods named POD_NAME other than the pinned one, from one listing: for a stop (every pod of the
   * name ends stopped), for finding the pod of a deploy whose answer was lost, and for adoption.
   * null when the decision does not need a listing.
   */
  namesakes: Pod[] | null;
  /** Pods this generation asked RunPod to stop, each read back by its id (null: RunPod says it is gone). */
  stopped: ReadonlyMap<string, Pod | null>;
  monai: MonaiObservation | null;
  /** RunPod's own log for a pod it reports in ERROR (its last lines, redacted), else null. */
  runpodLog: readonly string[] | null;
  /** A deploy RunPod never confirmed (its pod may still appear, carrying `nonce`), from this or an earlier generation. */
  unconfirmedDeploy: { nonce: string; sentAt: number } | null;
  /** Which pods are the bot's: its mark, or an admin's adoption. Only those are configured. */
  ownership: Ownership;
}

export type PodReading =
  /** The generation knows its pod's id: RunPod was asked for that pod alone (null = it does not exist). */
  | { kind: 'pinned'; podId: string; pod: Pod | null }
  /** No pod id yet: the decision looks at `namesakes`. */
  | { kind: 'unpinned' };

/** MONAI Label on a ready pod: read from outside (/info/) and, when that is not enough, over SSH. */
export interface MonaiObservation {
  endpoints: PodEndpoints;
  /** The secret URL people paste into 3D Slicer. */
  url: string;
  /** The digest of the gate configuration wanted now; the gate names its own in every answer. */
  gateDigest: string;
  /** /info/ read through the gate with the secret path. */
  info: InfoAnswer;
  ssh: SshReading;
  /** null until read over SSH. */
  volume: VolumeFacts | null;
  server: ServerFacts | null;
  /** The gate on the exposed port, as the pod reports it (null until read over SSH). */
  gate: GateFacts | null;
  /** The server's log as it starts, streamed while the bot waits. */
  watch: WatchFacts | null;
}

export type SshReading =
  /** /info/ through the gate already shows what is wanted: no SSH needed. */
  | { kind: 'not-needed' }
  | { kind: 'connected' }
  | { kind: 'failed'; error: BotError };
