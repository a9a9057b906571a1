import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buttonClick, FakeSlack, slashCommand } from '../helpers/fake-slack.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { startSlack, type RunningSlack } from '../helpers/slack-app.js';

let fake: FakeSlack;
let harness: Harness;
let running: RunningSlack | undefined;
let work: Promise<void>[];

beforeEach(async () => {
  fake = await new FakeSlack().start();
  harness = await startHarness({
    env: { SLACK_BOT_TOKEN: 'xoxb-test-bot-token', SLACK_APP_TOKEN: 'xapp-1-test-app-token', SLACK_API_URL: fake.apiUrl },
  });
  running = await startSlack(harness, 'socket');
  work = running.work;
});

afterEach(async () => {
  await Promise.all(work);
  await running?.slack.stop();
  await harness.close();
  await fake.close();
});

describe('Socket Mode', () => {
  it('opens the connection with the app-level token, not the bot token', () => {
    const open = fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe('xapp-1-test-app-token');
    expect(fake.sockets.size).toBe(1);
  });

  it('acks a slash command envelope and runs it', async () => {
    const ack = await fake.sendEnvelope('slash_commands', slashCommand(fake, 'start'));
    expect(ack).toEqual({});
    await fake.waitFor(() => work.length === 1);
    await Promise.all(work);

    const message = [...fake.messages.values()][0]!;
    expect(message.channel).toBe('C0LAB');
    expect(message.text).toMatch(/monai-label is ready — http:\/\/127\.0\.0\.1:\d+/);
    expect(harness.sim.deployInputs).toHaveLength(1);
  });

  it('routes a button click arriving as an interactive envelope', async () => {
    const ack = await fake.sendEnvelope('interactive', buttonClick(fake, 'status'));
    expect(ack).toEqual({});
    const reply = await fake.waitFor(() => fake.responses[0]);
    expect(String(reply.body['text'])).toContain('There is no pod named monai-label');
  });
});
