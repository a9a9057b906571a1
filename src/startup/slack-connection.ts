import { webApi } from '@slack/bolt';
import { ConfigError, type SlackConfig } from '../config/load.js';
import { SLACK_TOKEN_FIX, type ConfigIssue } from '../config/fixes.js';
import type { HealthMonitor } from '../health/monitor.js';
import { boltLogger, silentLogger, type Logger } from '../log.js';

export interface SlackWaitOptions {
  slack: SlackConfig;
  logger: Logger;
  /** Told whether Slack answers, so /healthz can say so while the bot waits. */
  health?: HealthMonitor;
  /** Resolves with the signal's name when the process is asked to stop. */
  stop: Promise<string>;
  firstDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
}

export type SlackWait = { connected: true } | { connected: false; signal: string };

/** Answers from Slack that no retry changes: the token itself is refused. */
const REFUSED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'team_disabled', 'user_removed_from_team', 'not_allowed_token_type', 'missing_scope', 'no_permission', 'ekm_access_denied']);

type Probe = { ok: true } | { ok: false; refused: { variable: string; code: string; fix: string } } | { ok: false; reason: string; cause: string };

/** What a network failure most likely means, for the admin reading the log. */
export function likelyCause(reason: string, apiUrl: string): string {
  const host = new URL(apiUrl).host;
  if (/ENOTFOUND|EAI_AGAIN/.test(reason)) return `this host cannot resolve ${host}: no DNS or no route to the internet`;
  if (/ECONNREFUSED/.test(reason)) return `nothing accepts connections at ${host}: check SLACK_API_URL (empty = Slack’s own), or a firewall that rejects them`;
  if (/ECONNRESET|EPIPE|socket hang up/i.test(reason)) return 'the connection was cut on the way: a firewall or proxy between this host and Slack';
  if (/timeout|ETIMEDOUT|aborted/i.test(reason)) return `no answer in time: a firewall dropping traffic to ${host}:443, or no internet from this host`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(reason)) return 'the TLS certificate is not trusted: a TLS-inspecting proxy (give Node its CA with NODE_EXTRA_CA_CERTS)';
  if (/^HTTP 5\d\d/.test(reason)) return 'Slack is having trouble (status.slack.com)';
  return 'see the reason; this host’s internet access and SLACK_API_URL are the usual suspects';
}

/** The error's most telling part: a system error code, an HTTP status, or the message. */
function networkReason(error: unknown): string {
  const original = (error as { original?: { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } } }).original;
  const code = original?.cause?.code ?? original?.cause?.errors?.[0]?.code ?? original?.cause?.message;
  if (code) return code;
  if (original?.name === 'TimeoutError' || original?.name === 'AbortError') return 'timeout';
  const status = (error as { statusCode?: number }).statusCode;
  if (status) return `HTTP ${status}`;
  return original?.message ?? (error instanceof Error ? error.message : String(error));
}

async function probe(options: SlackWaitOptions): Promise<Probe> {
  const client = new webApi.WebClient(options.slack.botToken, {
    slackApiUrl: options.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
    logger: boltLogger(silentLogger()) as never,
  });
  // Only the bot token here: the app-level token's call (apps.connections.open, rate tier 1) is
  // the Socket Mode receiver's own, a moment later; its refusal is read by slackStartIssue().
  try {
    await client.auth.test();
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code && REFUSED.has(code)) return { ok: false, refused: { variable: 'SLACK_BOT_TOKEN', code, fix: SLACK_TOKEN_FIX.bot } };
    const reason = code ?? networkReason(error);
    return { ok: false, reason, cause: likelyCause(reason, options.slack.apiUrl) };
  }
  return { ok: true };
}

/**
 * A refusal while the Slack app starts (Socket Mode: the app-level token opening its connection)
 * as a configuration issue, or null for any other failure.
 */
export function slackStartIssue(error: unknown, mode: 'socket' | 'http'): ConfigIssue | null {
  const code = (error as { data?: { error?: string } }).data?.error;
  if (!code || !REFUSED.has(code)) return null;
  return mode === 'socket'
    ? { variable: 'SLACK_APP_TOKEN', message: `SLACK_APP_TOKEN: Slack refused it (${code})`, fix: `${SLACK_TOKEN_FIX.app} Socket Mode must be on (Settings → Socket Mode).` }
    : { variable: 'SLACK_BOT_TOKEN', message: `SLACK_BOT_TOKEN: Slack refused it (${code})`, fix: SLACK_TOKEN_FIX.bot };
}

/**
 * Waits until Slack accepts the bot's token, trying again with backoff (one log line per try that
 * names the address and the likely cause) while it does not answer. A refused token is a
 * configuration error, thrown at once; a stop signal ends the wait.
 */
export async function waitForSlack(options: SlackWaitOptions): Promise<SlackWait> {
  const { logger, health } = options;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  let delayMs = options.firstDelayMs ?? 2_000;
  const stopped = options.stop.then((signal) => ({ signal }));
  for (let attempt = 1; ; attempt++) {
    const result = await Promise.race([probe(options), stopped]);
    if ('signal' in result) return { connected: false, signal: result.signal };
    if (result.ok) {
      health?.setSlackReachable(true);
      if (attempt > 1) logger.info('Slack answers now', { url: options.slack.apiUrl, attempts: attempt });
      return { connected: true };
    }
    if ('refused' in result) {
      const { variable, code, fix } = result.refused;
      throw new ConfigError([{ variable, message: `${variable}: Slack refused it (${code})`, fix }]);
    }
    health?.setSlackReachable(false, result.reason);
    logger.warn(`Slack did not answer at ${options.slack.apiUrl} (${result.reason}): ${result.cause}. Trying again in ${Math.round(delayMs / 1000)} s; /healthz reports Slack as down meanwhile.`, {
      url: options.slack.apiUrl,
      reason: result.reason,
      attempt,
    });
    let timer: NodeJS.Timeout | undefined;
    const slept = await Promise.race([new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), delayMs))), stopped]);
    clearTimeout(timer);
    if (slept) return { connected: false, signal: slept.signal };
    delayMs = Math.min(maxDelayMs, delayMs * 2);
  }
}
