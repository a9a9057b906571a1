import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import { EXIT } from '../cli/exit-codes.js';
import { ConfigError, type Config } from '../config/load.js';
import type { HealthMonitor } from '../health/monitor.js';
import type { Logger } from '../log.js';
import type { SlackFrontEnd } from '../slack/app.js';
import { closeServer, writeConfigIssues } from './report.js';
import { slackStartIssue, waitForSlack } from './slack-connection.js';

export interface SlackStartOptions {
  config: Config;
  mode: 'socket' | 'http';
  health: HealthMonitor;
  logger: Logger;
  stderr: Writable;
  /** Resolves with the signal's name when the process is asked to stop. */
  stop: Promise<string>;
  /** Builds the Slack front end; called once Slack has accepted the bot's token. */
  create: () => SlackFrontEnd;
}

export type SlackStart = { slack: SlackFrontEnd; healthServer: Server | undefined } | { exit: number };

/**
 * Slack, started only once it answers: /healthz is served from the first second (HEALTH_PORT, and
 * PORT in HTTP mode until Bolt's server takes it over) and says Slack is down meanwhile; a signal
 * stops the wait at once; a token Slack refuses ends start-up with the configuration exit code.
 */
export async function startSlackWhenReachable(options: SlackStartOptions): Promise<SlackStart> {
  const { config, mode, health, logger } = options;
  const slackConfig = config.slack!;
  const healthServer = config.healthPort && !(mode === 'http' && config.healthPort === slackConfig.port) ? await health.listen(config.healthPort) : undefined;
  const waitingServer = mode === 'http' ? await health.listen(slackConfig.port) : undefined;
  const stopWith = async (exit: number) => {
    await closeServer(healthServer);
    return { exit };
  };
  try {
    const reached = await waitForSlack({ slack: slackConfig, logger, health, stop: options.stop });
    if (!reached.connected) {
      logger.info('stopped before Slack answered', { signal: reached.signal });
      return stopWith(EXIT.OK);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeConfigIssues(options.stderr, error.issues);
    return stopWith(EXIT.CONFIG);
  } finally {
    await closeServer(waitingServer);
  }
  const slack = options.create();
  let interrupted: string | null;
  try {
    interrupted = await Promise.race([slack.start().then(() => null), options.stop]);
  } catch (error) {
    const refused = slackStartIssue(error, mode);
    if (!refused) throw error;
    writeConfigIssues(options.stderr, [refused]);
    return stopWith(EXIT.CONFIG);
  }
  if (interrupted) {
    logger.info('stopped while connecting to Slack', { signal: interrupted });
    await Promise.race([slack.stop(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    return stopWith(EXIT.OK);
  }
  return { slack, healthServer };
}
