import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { generateKeyPair } from '../../src/ssh/keys.js';
import { spawnBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { FakeSlack, fakeBotToken, SIGNING_SECRET } from '../helpers/fake-slack.js';
import { eventually } from '../helpers/harness.js';
import { freePort } from '../helpers/sshd.js';

/**
 * Slack unreachable when the bot starts (HTTP mode): /healthz is served at once and says Slack is
 * down, each retry is logged with the address and the likely cause, Slack coming back is picked up,
 * and the first signal stops the bot.
 */
const KEY = 'slack0down0key0123456';
let sim: RunPodSimulator;
let dir: string;
let keyPath: string;
let bot: BotProcess | undefined;

beforeAll(async () => {
  sim = await new RunPodSimulator({ apiKey: KEY }).start();
  dir = mkdtempSync(join(tmpdir(), 'monai-slack-down-'));
  keyPath = join(dir, 'id_ed25519');
  writeFileSync(keyPath, generateKeyPair().privateKey, { mode: 0o600 });
});
afterEach(async () => {
  if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
  bot = undefined;
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function slackBot(slackPort: number, port: number, token = 'xoxb-1-2-slackdown', appToken?: string): BotProcess {
  return spawnBotProcess(
    {
      SLACK_BOT_TOKEN: token,
      ...(appToken ? { SLACK_APP_TOKEN: appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
      SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`,
      PORT: String(port),
      RUNPOD_API_KEY: KEY,
      RUNPOD_API_URL: sim.v2Url,
      DICOMWEB_URL: 'https://pacs.example.org/dicom-web',
      SSH_PRIVATE_KEY_PATH: keyPath,
      DATABASE_PATH: join(dir, `bot-${port}.sqlite`),
      STARTUP_CHECK: 'off',
    },
    dir,
  );
}

async function healthz(port: number): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

describe('Slack unreachable at start-up', () => {
  it('serves /healthz at once with Slack down, names the URL and the likely cause, and connects when Slack comes back', async () => {
    const slackPort = await freePort();
    const port = await freePort();
    bot = slackBot(slackPort, port);

    const down = await eventually(async () => {
      const answer = await healthz(port);
      return (answer?.body['slack'] as { state?: string } | undefined)?.state === 'unreachable' ? answer : undefined;
    });
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unhealthy', mode: 'http', slack: { state: 'unreachable', error: 'ECONNREFUSED' } });
    await bot.waitFor('Trying again in');
    const retry = bot.output().split('\n').find((line) => line.includes('Slack did not answer'));
    expect(JSON.parse(retry ?? '{}')).toMatchObject({
      level: 'warn',
      message: `Slack did not answer at http://127.0.0.1:${slackPort}/api/ (ECONNREFUSED): nothing accepts connections at 127.0.0.1:${slackPort}: check SLACK_API_URL (empty = Slack’s own), or a firewall that rejects them. Trying again in 2 s; /healthz reports Slack as down meanwhile.`,
      url: `http://127.0.0.1:${slackPort}/api/`,
    });
    expect(bot.output()).not.toContain('http request failed');

    const slack = await new FakeSlack().start(slackPort);
    try {
      await bot.waitFor('monai-pod-bot is running', 60_000);
      expect(bot.output()).toContain('Slack answers now');
      const up = await eventually(async () => {
        const answer = await healthz(port);
        return answer?.status === 200 ? answer : undefined;
      });
      expect(up.body).not.toHaveProperty('slack');
      bot.child.kill('SIGTERM');
      expect((await bot.exited).code).toBe(0);
    } finally {
      await slack.close();
    }
  }, 90_000);

  it('stops on the first SIGTERM while it waits for Slack', async () => {
    const port = await freePort();
    bot = slackBot(await freePort(), port);
    await bot.waitFor('Slack did not answer');
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(bot.output()).toContain('"message":"stopped before Slack answered","signal":"SIGTERM"');
    expect(await healthz(port)).toBeUndefined();
  }, 60_000);

  it('stops with the configuration exit code when Slack refuses the token, naming it and the page to copy it from', async () => {
    const token = fakeBotToken();
    const slack = await new FakeSlack({ botToken: token, appToken: 'xapp-1-A1-right', channels: new Map() }).start();
    try {
      bot = slackBot(slack.port, await freePort(), 'xoxb-1-2-not-the-right-one');
      expect((await bot.exited).code).toBe(78);
      expect(bot.output()).toContain(
        'Configuration error: SLACK_BOT_TOKEN: Slack refused it (invalid_auth)\n  Fix: copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → your app → OAuth & Permissions',
      );
    } finally {
      await slack.close();
    }
  }, 60_000);

  it('stops with the configuration exit code when Slack refuses the app-level token in Socket Mode', async () => {
    const token = fakeBotToken();
    const slack = await new FakeSlack({ botToken: token, appToken: 'xapp-1-A1-right', channels: new Map() }).start();
    try {
      bot = slackBot(slack.port, await freePort(), token, 'xapp-1-A1-not-the-right-one');
      expect((await bot.exited).code).toBe(78);
      expect(bot.output()).toContain('Configuration error: SLACK_APP_TOKEN: Slack refused it (invalid_auth)\n  Fix: create an app-level token at api.slack.com/apps → your app → Basic Information → App-Level Tokens');
      expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
    } finally {
      await slack.close();
    }
  }, 60_000);
});
