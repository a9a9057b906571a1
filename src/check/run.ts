import type { Config } from '../config/load.js';
import type { CheckResult } from './report.js';
import {
  checkDatabase,
  checkDicomweb,
  checkDigestChannel,
  checkLogFile,
  checkRunPod,
  checkSigningSecret,
  checkSlackBotToken,
  checkSocketModeToken,
  checkSshKey,
  type CheckOptions,
} from './checks.js';
import { checkGpuTypes } from './gpu-types.js';

export interface RunChecksOptions extends CheckOptions {
  /**
   * At start-up: only what the bot's own start does not already prove (it has opened the database,
   * read the SSH key and been accepted by Slack by then), so the check adds no memory and little time.
   */
  brief?: boolean;
}

const MODE: Record<Config['mode'], string> = {
  socket: 'Slack over Socket Mode (SLACK_APP_TOKEN is set)',
  http: 'Slack over HTTP (no SLACK_APP_TOKEN; Slack sends requests to /slack/events)',
  console: 'local console (no SLACK_BOT_TOKEN)',
};

export function describeMode(config: Config): string {
  return MODE[config.mode];
}

/** Every link the bot depends on, checked at once; results in a fixed order. */
export async function runChecks(config: Config, options: RunChecksOptions): Promise<CheckResult[]> {
  const full = !options.brief;
  const slack = config.slack;
  const checks: (() => Promise<CheckResult> | CheckResult)[] = [];
  if (slack) {
    if (full) checks.push(() => checkSlackBotToken(slack, options));
    if (full && config.mode === 'socket') checks.push(() => checkSocketModeToken(slack, options));
    if (full && config.mode === 'http') checks.push(() => checkSigningSecret());
    // An empty DIGEST_CHANNEL is already a start-up warning of the scheduler's.
    if (full || config.costs.digestChannel) checks.push(() => checkDigestChannel(slack, config.costs.digestChannel, options));
  } else if (full) {
    checks.push(() => ({ title: 'Slack', status: 'skip', detail: 'no SLACK_BOT_TOKEN: npm start opens the local console' }));
  }
  checks.push(() => checkRunPod(config, options));
  checks.push(() => checkGpuTypes(config, options));
  if (full) checks.push(() => checkSshKey(config));
  checks.push(() => checkDicomweb(config, options));
  if (full) checks.push(() => checkDatabase(config));
  const logFile = config.log.file;
  if (full && logFile) checks.push(() => checkLogFile(logFile.path));
  return Promise.all(
    checks.map(async (check): Promise<CheckResult> => {
      try {
        return await check();
      } catch (error) {
        return { title: 'Check', status: 'fail', detail: `could not run: ${error instanceof Error ? error.message : String(error)}` };
      }
    }),
  );
}
