export type SocketState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface HealthFacts {
  now: number;
  startedAt: number;
  version: string;
  mode: 'socket' | 'http';
  database: { writable: boolean; error?: string };
  /** The last exchange with RunPod's API; null before the first. */
  runpod: { ok: boolean; operation: string; at: number; error?: string } | null;
  /** Socket Mode only: the connection's state and since when. */
  socket: { state: SocketState; since: number } | null;
}

export interface HealthReport {
  /** ok: all well; degraded: serving, but RunPod's last answer was a failure; unhealthy: restart or fix. */
  status: 'ok' | 'degraded' | 'unhealthy';
  httpStatus: 200 | 503;
  body: Record<string, unknown>;
}

/** A Socket Mode connection may take this long to come back before the bot counts as down. */
export const SOCKET_GRACE_MS = 120_000;

/**
 * What /healthz says. A database that cannot be written, or a Slack connection lost for two minutes,
 * is unhealthy (503): a supervisor's restart may fix it. RunPod failing is RunPod's outage, which a
 * restart does not fix: degraded, still 200, with the error.
 */
export function healthReport(facts: HealthFacts): HealthReport {
  const socketDown = facts.socket !== null && facts.socket.state !== 'connected' && facts.now - facts.socket.since > SOCKET_GRACE_MS;
  const unhealthy = !facts.database.writable || socketDown;
  const degraded = facts.runpod !== null && !facts.runpod.ok;
  const status = unhealthy ? 'unhealthy' : degraded ? 'degraded' : 'ok';
  const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));
  return {
    status,
    httpStatus: unhealthy ? 503 : 200,
    body: {
      status,
      version: facts.version,
      uptimeSeconds: seconds(facts.now - facts.startedAt),
      mode: facts.mode,
      database: facts.database.writable ? { writable: true } : { writable: false, error: facts.database.error ?? 'unknown' },
      runpod: facts.runpod
        ? { lastCall: facts.runpod.ok ? 'ok' : 'failed', operation: facts.runpod.operation, ageSeconds: seconds(facts.now - facts.runpod.at), ...(facts.runpod.error ? { error: facts.runpod.error } : {}) }
        : { lastCall: 'none yet' },
      ...(facts.socket ? { slackSocket: { state: facts.socket.state, forSeconds: seconds(facts.now - facts.socket.since) } } : {}),
    },
  };
}
