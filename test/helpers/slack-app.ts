import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { troubleshootMessage } from '../../src/messages/knowledge.js';
import { createSlackApp, type SlackFrontEnd } from '../../src/slack/app.js';
import { FakeSlack, SIGNING_SECRET } from './fake-slack.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

export interface RunningSlack {
  slack: SlackFrontEnd;
  /** HTTP mode: the events URL. */
  url: string;
  /** Background work of every command so far. */
  work: Promise<void>[];
  settle(): Promise<void>;
}

/**
 * The real Bolt app over the harness's bot, pointed at a FakeSlack through SLACK_API_URL. Its Web
 * API client does not retry unless asked (`retries`: then it honours Retry-After, as in production).
 */
export async function startSlack(harness: Harness, mode: 'http' | 'socket', retries = 0): Promise<RunningSlack> {
  const work: Promise<void>[] = [];
  const slack = createSlackApp({
    slack: harness.config.slack!,
    mode,
    router: harness.bot.router,
    logger: harness.logger,
    redactor: harness.redactor,
    home: (user) => harness.bot.home(user),
    answer: troubleshootMessage,
    claimButton: (key, user) => harness.store.clicks.claim(key, user, Date.now()),
    retries,
    clientPingTimeoutMs: 2000,
    onWork: (promise) => work.push(promise),
  });
  const server = (await slack.start(0)) as Server | undefined;
  const url = server ? `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events` : '';
  return {
    slack,
    url,
    work,
    settle: async () => {
      await Promise.all(work);
    },
  };
}

export interface SlackWorld {
  fake: FakeSlack;
  harness: Harness;
  running: RunningSlack;
  close(): Promise<void>;
}

/** A FakeSlack, a harness configured for it (HTTP mode unless an app token is given), and the real Bolt app. */
export async function startSlackWorld(options: HarnessOptions & { mode?: 'http' | 'socket'; retries?: number } = {}): Promise<SlackWorld> {
  const fake = await new FakeSlack().start();
  const mode = options.mode ?? 'http';
  const harness = await startHarness({
    ...options,
    env: {
      SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
      SLACK_API_URL: fake.apiUrl,
      ...(mode === 'http' ? { SLACK_SIGNING_SECRET: SIGNING_SECRET } : { SLACK_APP_TOKEN: 'xapp-1-test-app-token' }),
      ...options.env,
    },
  });
  const running = await startSlack(harness, mode, options.retries ?? 0);
  return {
    fake,
    harness,
    running,
    async close() {
      await running.settle();
      await running.slack.stop();
      await harness.close();
      await fake.close();
    },
  };
}
