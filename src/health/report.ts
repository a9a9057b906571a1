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
  /** Whether Slack has accepted the bot yet: it is served from the start, before Slack answers. */
  slack?: { reachable: boolean; since: number; reason?: string } | null;
}

export interface HealthReport {
  /**
   * ok: all well; degraded: serving, but RunPod's last answer was a failure; starting: Slack has not
   * answered yet; unhealthy: restart or fix.
   */
  status: 'ok' | 'degraded' | 'starting' | 'unhealthy';
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
  // Until Slack accepts the bot it cannot take a command: never "ok", and "unhealthy" once Slack has failed to answer.
  const slackDown = facts.slack !== undefined && facts.slack !== null && !facts.slack.reachable;
  const unhealthy = !facts.database.writable || socketDown || (slackDown && facts.slack?.reason !== undefined);
  const degraded = facts.runpod !== null && !facts.runpod.ok;
  const status = unhealthy ? 'unhealthy' : slackDown ? 'starting' : degraded ? 'degraded' : 'ok';
  const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));
  return {
    status,
    httpStatus: unhealthy || slackDown ? 503 : 200,
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
      ...(facts.slack && !facts.slack.reachable
        ? { slack: { state: facts.slack.reason ? 'unreachable' : 'connecting', forSeconds: seconds(facts.now - facts.slack.since), ...(facts.slack.reason ? { error: facts.slack.reason } : {}) } }
        : {}),
    },
  };
}
