import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { webApi } from '@slack/bolt';
import { SLACK_TOKEN_FIX } from '../config/fixes.js';
import type { Config, SlackConfig } from '../config/load.js';
import { isBotError } from '../errors.js';
import { boltLogger, type Logger } from '../log.js';
import { createRunPodApi } from '../runpod/factory.js';
import { loadKeyPair } from '../ssh/keys.js';
import { databaseIssue, whyNotWritable, writableIssue, type WritableFile } from '../startup/writable.js';
import { openSqliteStore } from '../store/sqlite.js';
import { systemClock } from '../util/clock.js';
import { currentHost } from '../util/host.js';
import type { CheckResult } from './report.js';

export interface CheckOptions {
  logger: Logger;
  /** Bound on each network check. */
  timeoutMs: number;
}

const reason = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const code = (error as { code?: string; original?: { code?: string } }).original?.code ?? cause;
  return code ?? (error instanceof Error ? error.message : String(error));
};

function slackClient(token: string, slack: SlackConfig, options: CheckOptions): webApi.WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs,
    logger: boltLogger(options.logger) as never,
  });
}

/** Slack's own error code (invalid_auth, channel_not_found…), or null when Slack was not reached. */
function slackError(error: unknown): string | null {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? null;
}

/** A token check: `call` proves the token; a refusal names the variable and how to get a good one. */
async function checkSlackToken(
  title: string,
  slack: SlackConfig,
  call: () => Promise<string>,
  refused: { variable: string; fix: string },
): Promise<CheckResult> {
  try {
    return { title, status: 'pass', detail: await call() };
  } catch (error) {
    const code = slackError(error);
    if (code === null) return unreachableSlack(title, slack, error);
    return { title, status: 'fail', detail: `Slack refused ${refused.variable} (${code})`, fix: refused.fix };
  }
}

export function checkSlackBotToken(slack: SlackConfig, options: CheckOptions): Promise<CheckResult> {
  return checkSlackToken(
    'Slack bot token',
    slack,
    async () => {
      const who = await slackClient(slack.botToken, slack, options).auth.test();
      return `works: @${who.user ?? 'bot'} in workspace “${who.team ?? '?'}” (${who.team_id ?? '?'})`;
    },
    { variable: 'SLACK_BOT_TOKEN', fix: `${SLACK_TOKEN_FIX.bot} Reinstalling the app changes it.` },
  );
}

export function checkSocketModeToken(slack: SlackConfig, options: CheckOptions): Promise<CheckResult> {
  return checkSlackToken(
    'Slack Socket Mode',
    slack,
    async () => {
      await slackClient(slack.appToken ?? '', slack, options).apps.connections.open();
      return 'the app-level token (SLACK_APP_TOKEN) can open a connection';
    },
    {
      variable: 'SLACK_APP_TOKEN',
      fix: `turn on Socket Mode (Settings → Socket Mode), then ${SLACK_TOKEN_FIX.app}`,
    },
  );
}

function unreachableSlack(title: string, slack: SlackConfig, error: unknown): CheckResult {
  return {
    title,
    status: 'fail',
    detail: `Slack did not answer at ${slack.apiUrl} (${reason(error)})`,
    fix: 'check this host’s internet access (and proxy), and SLACK_API_URL (empty = Slack’s own).',
  };
}

export async function checkDigestChannel(slack: SlackConfig, channel: string | undefined, options: CheckOptions): Promise<CheckResult> {
  const title = 'Digest channel';
  if (!channel) return { title, status: 'warn', detail: 'DIGEST_CHANNEL is empty: no nightly digest, and idle warnings go only to whoever started the pod', fix: 'set DIGEST_CHANNEL to the lab channel’s ID (channel details → About, at the bottom: C…).' };
  const invite = `in that channel, type /invite @monai (or add the app from the channel’s details → Integrations).`;
  try {
    const info = await slackClient(slack.botToken, slack, options).conversations.info({ channel });
    const found = info.channel as { name?: string; is_member?: boolean; is_archived?: boolean } | undefined;
    const name = found?.name ? `#${found.name}` : channel;
    if (found?.is_archived) return { title, status: 'fail', detail: `${name} is archived`, fix: 'pick a live channel for DIGEST_CHANNEL.' };
    if (!found?.is_member) return { title, status: 'fail', detail: `the bot is not a member of ${name}, so it cannot post there`, fix: invite };
    return { title, status: 'pass', detail: `the bot can post in ${name}` };
  } catch (error) {
    const code = slackError(error);
    if (code === null) return unreachableSlack(title, slack, error);
    if (code === 'channel_not_found') {
      return { title, status: 'fail', detail: `${channel} is not visible to the bot: a wrong ID, or a private channel it was not invited to`, fix: `check the ID; ${invite}` };
    }
    if (['invalid_auth', 'not_authed', 'token_revoked', 'account_inactive', 'not_allowed_token_type'].includes(code)) {
      return { title, status: 'fail', detail: `${channel} not checked: Slack refused SLACK_BOT_TOKEN (${code})`, fix: 'fix SLACK_BOT_TOKEN first (above).' };
    }
    if (code === 'missing_scope') {
      return { title, status: 'fail', detail: 'the app cannot look channels up (missing scope)', fix: 'update the app from manifest.yml (it asks for channels:read and groups:read) and reinstall it to the workspace.' };
    }
    return { title, status: 'fail', detail: `Slack answered ${code} for ${channel}`, fix: 'check DIGEST_CHANNEL.' };
  }
}

export function checkSigningSecret(): CheckResult {
  return {
    title: 'Slack signing secret',
    status: 'pass',
    detail: 'set and well-formed; Slack proves it on its first request (a wrong one shows as “signature mismatch” in the log and “dispatch_failed” in Slack)',
  };
}

const API_NAME = { v2: 'REST API v2', graphql: 'GraphQL API' } as const;

/** The key against the API the bot uses (RUNPOD_API), and the balance, which v2 reads over GraphQL. */
export async function checkRunPod(config: Config, options: CheckOptions): Promise<CheckResult> {
  const title = 'RunPod API key';
  if (!config.runpod.apiKey) return { title, status: 'skip', detail: 'RUNPOD_API_KEY is empty: the local console uses the built-in simulator' };
  const runpod = createRunPodApi(
    { ...config.runpod, apiKey: config.runpod.apiKey },
    { clock: systemClock, logger: options.logger, placement: config.pod, attempts: 1, timeoutMs: options.timeoutMs },
  );
  try {
    const { account, pods } = await runpod.snapshot();
    const answers = `the account answers on RunPod’s ${API_NAME[config.runpod.api]} (RUNPOD_API=${config.runpod.api})`;
    const count = `${pods.length} pod${pods.length === 1 ? '' : 's'}`;
    if (!account) {
      return {
        title,
        status: 'warn',
        detail: `${answers}: ${count}; balance unavailable from RunPod (its GraphQL API at ${config.runpod.graphqlUrl} did not give it)`,
        fix: 'pods work without it; the digest estimates the runway from the last balance it read. If GraphQL has been retired, nothing can bring the balance back: watch it in RunPod → Billing.',
      };
    }
    const detail = `${answers}: balance $${account.balance.toFixed(2)}, spending $${account.spendPerHr.toFixed(2)}/hr now, ${count}`;
    if (account.balance <= 0) return { title, status: 'fail', detail, fix: 'add credit in RunPod → Billing: RunPod refuses to start pods at $0 and terminates pods without a network volume.' };
    if (account.balance < 5) return { title, status: 'warn', detail, fix: 'add credit in RunPod → Billing: an RTX 4090 pod costs about $0.69/hr.' };
    return { title, status: 'pass', detail };
  } catch (error) {
    if (isBotError(error)) return { title, status: 'fail', detail: `${error.message}${error.code === 'RUNPOD_TRANSIENT' ? ` (${config.runpod.apiUrl})` : ''}`, fix: error.action };
    return { title, status: 'fail', detail: `RunPod did not answer at ${config.runpod.apiUrl} (${reason(error)})`, fix: 'check this host’s internet access and RUNPOD_API_URL.' };
  }
}

export async function checkSshKey(config: Config): Promise<CheckResult> {
  const title = 'SSH key';
  const path = config.ssh.privateKeyPath;
  if (!config.runpod.apiKey) return { title, status: 'skip', detail: 'not needed for the simulator (it makes its own)' };
  try {
    const key = await loadKeyPair(path);
    const [kind, body] = key.publicKey.split(' ');
    const detail = `${path}: a ${key.type} private key; pods get its public key (${kind} …${(body ?? '').slice(-12)}) as PUBLIC_KEY`;
    const mode = (await stat(path)).mode & 0o077;
    if (mode !== 0) return { title, status: 'warn', detail: `${detail}, but other users on this host can read it`, fix: `chmod 600 ${path}` };
    return { title, status: 'pass', detail };
  } catch (error) {
    if (isBotError(error)) return { title, status: 'fail', detail: `SSH_PRIVATE_KEY_PATH: ${error.message}`, fix: error.action };
    throw error;
  }
}

const PRIVATE_HOST = /^(localhost|.*\.local|.*\.lan|.*\.internal)$/i;

/** Whether a host is only reachable inside a network: loopback, RFC 1918, link-local, or a local name. */
function isPrivateHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return /^(127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)/.test(bare);
  if (isIP(bare) === 6) return bare === '::1' || /^f[cd]/i.test(bare) || /^fe80/i.test(bare);
  return PRIVATE_HOST.test(bare);
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/**
 * The DICOMweb host when it is inside a private network while the pods are not (RunPod's cloud):
 * the pod could never reach it. A RunPod API on loopback is a simulator (the sandbox) whose pods
 * run on this machine: they reach its loopback, and nothing else that is private — so the sandbox
 * shows this warning for a lab address just as RunPod's cloud would need it.
 */
export function hostThePodCannotReach(dicomwebUrl: string, runpodApiUrl: string): string | null {
  const host = new URL(dicomwebUrl).hostname;
  if (!isPrivateHost(host)) return null;
  const simulated = isLoopbackHost(new URL(runpodApiUrl).hostname);
  return simulated && isLoopbackHost(host) ? null : host;
}

export async function checkDicomweb(config: Config, options: CheckOptions): Promise<CheckResult> {
  const title = 'DICOMweb (Orthanc)';
  const root = config.monai.dicomwebUrl;
  if (!config.runpod.apiKey) return { title, status: 'skip', detail: 'the simulator serves its own studies' };
  if (!root) return { title, status: 'fail', detail: 'DICOMWEB_URL is empty: /monai start needs the studies’ DICOMweb root', fix: 'set DICOMWEB_URL, e.g. https://pacs.lab.org/dicom-web (Orthanc’s DICOMweb plugin).' };
  const unreachable = hostThePodCannotReach(root, config.runpod.apiUrl);
  if (unreachable) {
    return { title, status: 'warn', detail: `${unreachable} is a private address: the pod, in RunPod’s cloud, cannot reach it`, fix: 'give DICOMWEB_URL an address reachable from the internet (with TLS and credentials), e.g. behind the lab’s reverse proxy.' };
  }
  const headers: Record<string, string> = { accept: 'application/dicom+json' };
  const { dicomwebUsername: user, dicomwebPassword: password } = config.monai;
  if (user && password) headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const onlyPod = 'the pod is what must reach it; if only the pod can (VPN, firewall rule for RunPod), this warning is expected.';
  try {
    const response = await fetch(`${root.replace(/\/$/, '')}/studies?limit=1`, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
    await response.arrayBuffer();
    if (response.status === 401 || response.status === 403) {
      return { title, status: 'warn', detail: `${root} refused ${user ? 'DICOMWEB_USERNAME/DICOMWEB_PASSWORD' : 'a request without credentials'} (HTTP ${response.status})`, fix: 'set DICOMWEB_USERNAME and DICOMWEB_PASSWORD to an Orthanc user allowed to read.' };
    }
    if (!response.ok) return { title, status: 'warn', detail: `${root}/studies answered HTTP ${response.status}`, fix: 'check that DICOMWEB_URL is the DICOMweb root (Orthanc: …/dicom-web).' };
    return { title, status: 'pass', detail: `${root} answers a study search from this host` };
  } catch (error) {
    return { title, status: 'warn', detail: `${root} did not answer from this host (${reason(error)})`, fix: onlyPod };
  }
}

export async function checkDatabase(config: Config): Promise<CheckResult> {
  const title = 'Database';
  const path = config.databasePath;
  try {
    const store = openSqliteStore({ path });
    try {
      await store.ping();
      const version = store.db.pragma('user_version', { simple: true }) as number;
      return { title, status: 'pass', detail: `${path} is writable (schema version ${version})` };
    } finally {
      await store.close();
    }
  } catch (error) {
    const issue = await databaseIssue(path, error, currentHost());
    return { title, status: 'fail', detail: issue.message, fix: issue.fix };
  }
}

/** LOG_FILE: its folder exists or can be made, and the bot's user may write there (nothing is created). */
export async function checkLogFile(path: string): Promise<CheckResult> {
  const title = 'Log file';
  const file: WritableFile = { variable: 'LOG_FILE', path };
  const problem = await whyNotWritable(file, currentHost());
  if (problem) {
    const issue = writableIssue(file, problem);
    return { title, status: 'fail', detail: issue.message, fix: issue.fix };
  }
  return { title, status: 'pass', detail: `${path} can be written (rotated at LOG_FILE_MAX_MB)` };
}
