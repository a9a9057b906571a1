import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { troubleshootMessage } from '../../src/messages/knowledge.js';
import { createSlackApp, type SlackFrontEnd } from '../../src/slack/app.js';
import type { Harness } from './harness.js';

export interface RunningSlack {
  slack: SlackFrontEnd;
  /** HTTP mode: the events URL. */
  url: string;
  /** Background work of every command so far. */
  work: Promise<void>[];
  settle(): Promise<void>;
}

/** The real Bolt app over the harness's bot, pointed at a FakeSlack through SLACK_API_URL. */
export async function startSlack(harness: Harness, mode: 'http' | 'socket'): Promise<RunningSlack> {
  const work: Promise<void>[] = [];
  const slack = createSlackApp({
    slack: harness.config.slack!,
    mode,
    router: harness.bot.router,
    logger: harness.logger,
    redactor: harness.redactor,
    home: () => harness.bot.home(),
    answer: troubleshootMessage,
    retries: 0,
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
