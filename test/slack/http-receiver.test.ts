import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buttonClick, FakeSlack, SIGNING_SECRET, signedAction, signedCommand, slashCommand } from '../helpers/fake-slack.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { startSlack, type RunningSlack } from '../helpers/slack-app.js';

let fake: FakeSlack;
let harness: Harness;
let running: RunningSlack | undefined;
let url: string;
let work: Promise<void>[];

beforeEach(async () => {
  fake = await new FakeSlack().start();
  harness = await startHarness({
    env: { SLACK_BOT_TOKEN: 'xoxb-test-bot-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl },
  });
  running = await startSlack(harness, 'http');
  ({ url, work } = running);
});

afterEach(async () => {
  await Promise.all(work);
  await running?.slack.stop();
  await harness.close();
  await fake.close();
});

describe('the HTTP receiver', () => {
  it('acknowledges a signed /monai status and answers privately with the pod state', async () => {
    const response = await signedCommand(url, slashCommand(fake, 'status'));

    expect(response.status).toBe(200);
    const reply = await fake.waitFor(() => fake.responses[0]);
    expect(reply.body['response_type']).toBe('ephemeral');
    expect(String(reply.body['text'])).toContain('There is no pod named monai-label');
    expect(harness.sim.callsTo('listPods')).toHaveLength(1);
  });

  it('still answers a command while Slack leaves earlier answers hanging', async () => {
    fake.holdResponses = 5;
    for (let user = 0; user < 5; user++) await signedCommand(url, slashCommand(fake, 'status', `U0HUNG${user}`));
    await fake.waitFor(() => fake.heldCount === 4);

    await signedCommand(url, slashCommand(fake, 'status', 'U0ALICE'));
    // Four answers hang and a fifth waits behind them; the sixth still arrives.
    const reply = await fake.waitFor(() => fake.responses[0]);
    expect(String(reply.body['text'])).toContain('There is no pod named monai-label');
    fake.releaseResponses();
    await fake.waitFor(() => fake.responses.length === 6);
  });

  it('rejects a bad signature with 401 and never calls RunPod', async () => {
    const response = await signedCommand(url, slashCommand(fake, 'start'), { secret: 'someone0elses0secret0000' });

    expect(response.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.sim.calls).toHaveLength(0);
    expect(fake.calls.filter((call) => call.method !== 'auth.test')).toHaveLength(0);
  });

  it('rejects a stale timestamp (a replayed request) with 401 and never calls RunPod', async () => {
    const response = await signedCommand(url, slashCommand(fake, 'start'), { timestamp: Math.floor(Date.now() / 1000) - 600 });

    expect(response.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('posts one progress message for /monai start and edits it until it shows the URL', async () => {
    const response = await signedCommand(url, slashCommand(fake, 'start'));
    expect(response.status).toBe(200);
    // The work follows the ack (acks first): wait until it has begun, then until it ends.
    await fake.waitFor(() => work.length === 1);
    await Promise.all(work);

    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.token).toBe('xoxb-test-bot-token');
    expect(posts[0]?.args['channel']).toBe('C0LAB');
    expect(fake.callsTo('chat.update').length).toBeGreaterThanOrEqual(1);
    const message = [...fake.messages.values()][0]!;
    const pod = harness.sim.podByName('monai-label')!;
    const port = pod.runtime!.ports.find((entry) => entry.privatePort === 8000 && entry.isIpPublic)!.publicPort;
    expect(message.text).toContain(`http://127.0.0.1:${port}`);
    expect(JSON.stringify(message.blocks)).toContain('RTX 4090 · $0.69/hr');
    expect(JSON.stringify(message.blocks)).toContain('<@U0ALICE>');
  });

  it('starts one pod when two people type /monai start together, and both see it', async () => {
    const [first, second] = await Promise.all([
      signedCommand(url, slashCommand(fake, 'start', 'U0ALICE')),
      signedCommand(url, slashCommand(fake, 'start', 'U0BOB')),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await fake.waitFor(() => work.length === 2);
    await Promise.all(work);

    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    const message = [...fake.messages.values()][0]!;
    // Two requests in flight together: either may be first.
    expect(JSON.stringify(message.blocks)).toMatch(/<@U0ALICE>, <@U0BOB>|<@U0BOB>, <@U0ALICE>/);
    expect(fake.responses.some((reply) => String(reply.body['text']).includes('already under way'))).toBe(true);
  });

  it('answers anything else privately, with a pointer to the help', async () => {
    await signedCommand(url, slashCommand(fake, 'make me a sandwich'));

    const reply = await fake.waitFor(() => fake.responses[0]);
    expect(reply.body['response_type']).toBe('ephemeral');
    expect(String(reply.body['text'])).toContain('is not a /monai command');
    expect(JSON.stringify(reply.body['blocks'])).toContain('/monai help` lists every command');
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('runs a button’s command for the person who clicked it', async () => {
    const response = await signedAction(url, buttonClick(fake, 'status'));

    expect(response.status).toBe(200);
    const reply = await fake.waitFor(() => fake.responses[0]);
    expect(String(reply.body['text'])).toContain('There is no pod named monai-label');
  });
});
