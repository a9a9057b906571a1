/**
 * When is a pod idle, and what follows. Pure: state + one observation + policy → next state and
 * a decision. Idle means no MONAI Label activity, no training and a GPU under the threshold, for
 * long enough, after a grace period. A MONAI Label that does not answer at all is no activity
 * (the pod bills for nothing); a signal that cannot be read pauses the clock, but not for ever.
 * A person asking for the pod to run is activity.
 */

export interface IdlePolicy {
  idleMs: number;
  gpuPercent: number;
  graceMs: number;
  warnMs: number;
  autostop: 'off' | 'warn' | 'stop';
}

export interface IdleState {
  podId: string;
  /** Start of the current idle stretch; later than now while a grace period or a keep runs. */
  idleSince: number;
  lastSampleAt: number;
  lastActivityAt: number | null;
  lastActivity: string | null;
  /** MONAI Label's activity fingerprint at the last readable sample. */
  fingerprint: string | null;
  /** Readable samples in the current idle stretch, all with the GPU under the threshold. */
  idleSamples: number;
  /** Since when a signal has been unreadable (null = all readable). */
  unknownSince: number | null;
  warnedAt: number | null;
  stopAt: number | null;
  warning: { channel: string; ts: string } | null;
  keptUntil: number | null;
  keptBy: string | null;
  /** The latest keep, still shown after it ran out. */
  lastKeep: { by: string; until: number } | null;
  stopFailures: number;
  /** Since when MONAI Label has not answered while the pod runs (null: it answers, or is not ours). */
  monaiDownSince?: number | null;
  /** The channel was told it does not answer, and a restart was asked for (once per incident). */
  monaiDownReported?: boolean;
}

export type MonaiSignal =
  /** The pod runs MONAI Label and it answered. */
  | { kind: 'read'; fingerprint: string; training: boolean; lastEvent: string | null }
  /** The pod runs, but MONAI Label does not answer (not started, crashed, ports never mapped). */
  | { kind: 'down'; reason: string }
  /** MONAI Label answers, but its activity cannot be read right now. */
  | { kind: 'unreadable'; reason: string }
  /** Not the bot's MONAI Label pod: only the GPU tells. */
  | { kind: 'none' };

export interface Observation {
  at: number;
  running: boolean;
  /** When the container started (now − uptime), if known. */
  startedAt: number | null;
  gpuUtil: number | null;
  monai: MonaiSignal;
  /** An operation of the bot's own is under way on the pod (start, restart): busy by definition. */
  busy?: boolean;
  /** A person asked for the pod to run since the previous sample (a start on a running pod ends between two samples). */
  asked?: boolean;
}

export type IdleDecision =
  | { kind: 'none' }
  | { kind: 'warn'; idleMs: number }
  | { kind: 'cancel'; activity: string }
  | { kind: 'stop'; idleMs: number }
  | { kind: 'gone' };

export interface Evaluation {
  state: IdleState | null;
  decision: IdleDecision;
  /** MONAI Label stopped answering (first sample of an incident) or answers again. */
  monai: 'down' | 'back' | null;
  /** How this sample counts: true idle, false active, null unknown. */
  idle: boolean | null;
  activity: string | null;
}

export function newIdleState(podId: string, at: number, startedAt: number | null, policy: IdlePolicy, fingerprint: string | null = null): IdleState {
  return {
    podId,
    idleSince: (startedAt ?? at) + policy.graceMs,
    lastSampleAt: at,
    lastActivityAt: null,
    lastActivity: null,
    fingerprint,
    idleSamples: 0,
    unknownSince: null,
    warnedAt: null,
    stopAt: null,
    warning: null,
    keptUntil: null,
    keptBy: null,
    lastKeep: null,
    stopFailures: 0,
    monaiDownSince: null,
    monaiDownReported: false,
  };
}

/** Why the pod counts as active in this sample, or null; undefined when a signal is unreadable. */
function activityOf(state: IdleState, obs: Observation, policy: IdlePolicy): string | null | undefined {
  if (obs.busy) return 'the bot is working on it';
  if (obs.asked) return 'someone asked for it to run';
  if (obs.monai.kind === 'read') {
    if (obs.monai.training) return 'training running';
    if (state.fingerprint !== null && obs.monai.fingerprint !== state.fingerprint) return obs.monai.lastEvent ?? 'MONAI Label activity';
  }
  if (obs.gpuUtil !== null && obs.gpuUtil >= policy.gpuPercent) return `GPU at ${obs.gpuUtil}%`;
  if (obs.gpuUtil === null) return undefined;
  // Unreadable for as long as the idle time itself, with a quiet GPU: counted, or a broken signal would keep a pod for ever.
  if (obs.monai.kind === 'unreadable' && (state.unknownSince === null || obs.at - state.unknownSince < policy.idleMs)) return undefined;
  return null;
}

export function evaluateIdle(podId: string, previous: IdleState | null, obs: Observation, policy: IdlePolicy): Evaluation {
  if (!obs.running) return { state: null, decision: previous ? { kind: 'gone' } : { kind: 'none' }, monai: null, idle: null, activity: null };
  // The grace is for people to get going with a MONAI Label that answers: one that has not answered
  // since the pod started (a failed install, a server that never started) gives nobody anything to do.
  const graceMs = obs.monai.kind === 'down' && (previous?.fingerprint ?? null) === null ? 0 : policy.graceMs;
  const state: IdleState = previous
    ? { ...previous }
    : newIdleState(podId, obs.at, obs.startedAt, { ...policy, graceMs }, obs.monai.kind === 'read' ? obs.monai.fingerprint : null);
  const activity = activityOf(state, obs, policy);
  let decision: IdleDecision = { kind: 'none' };
  const elapsed = Math.max(0, obs.at - state.lastSampleAt);

  if (activity) {
    state.idleSince = obs.at;
    state.idleSamples = 0;
    state.lastActivityAt = obs.at;
    state.lastActivity = activity;
    state.unknownSince = null;
    if (state.warnedAt !== null) decision = { kind: 'cancel', activity };
    state.warnedAt = null;
    state.stopAt = null;
  } else if (activity === undefined) {
    // Unknown is not idle: the clock and any countdown stand still.
    state.idleSince += elapsed;
    if (state.stopAt !== null) state.stopAt += elapsed;
    state.unknownSince ??= obs.at;
  } else {
    if (obs.monai.kind !== 'unreadable') state.unknownSince = null;
    state.idleSamples += 1;
  }
  if (obs.monai.kind === 'read') state.fingerprint = obs.monai.fingerprint;
  let monai: Evaluation['monai'] = null;
  if (obs.monai.kind === 'down' && !obs.busy) {
    state.monaiDownSince ??= obs.at;
    if (!state.monaiDownReported) {
      state.monaiDownReported = true;
      monai = 'down';
    }
  } else if (obs.monai.kind === 'read') {
    if (state.monaiDownReported) monai = 'back';
    state.monaiDownSince = null;
    state.monaiDownReported = false;
  }
  state.lastSampleAt = obs.at;
  if (obs.startedAt !== null) state.idleSince = Math.max(state.idleSince, obs.startedAt + graceMs);
  if (state.keptUntil !== null) {
    // Kept: idle time counts only from the end of the keep.
    state.idleSince = Math.max(state.idleSince, state.keptUntil);
    if (state.keptUntil <= obs.at) {
      state.keptUntil = null;
      state.keptBy = null;
    }
  }
  const idleMs = Math.max(0, obs.at - state.idleSince);

  if (decision.kind === 'none' && activity === null && policy.autostop !== 'off') {
    if (state.warnedAt === null && idleMs >= policy.idleMs) {
      state.warnedAt = obs.at;
      state.stopAt = policy.autostop === 'stop' ? obs.at + policy.warnMs : null;
      decision = { kind: 'warn', idleMs };
    } else if (state.stopAt !== null && obs.at >= state.stopAt) {
      decision = { kind: 'stop', idleMs };
    }
  }
  return { state, decision, monai, idle: activity === undefined ? null : !activity, activity: activity ?? null };
}

/** Someone pressed a Keep button: no warning, no stop, until `until`; the clock restarts then. */
export function keep(state: IdleState, until: number, by: string): IdleState {
  return {
    ...state,
    keptUntil: until,
    keptBy: by,
    lastKeep: { by, until },
    warnedAt: null,
    stopAt: null,
    idleSince: Math.max(state.idleSince, until),
  };
}
