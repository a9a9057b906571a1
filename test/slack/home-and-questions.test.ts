import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homeView } from '../../src/messages/home.js';
import { blocksToText } from '../../src/messages/blocks.js';
import type { StatusView } from '../../src/pod/status.js';
import type { OperationRecord } from '../../src/store/store.js';
import { buttonClick, FakeSlack, SIGNING_SECRET, signedAction, signedEvent } from '../helpers/fake-slack.js';
import { eventually, runCommand, startHarness, want, type Harness } from '../helpers/harness.js';
import { startSlack, type RunningSlack } from '../helpers/slack-app.js';

const NOW = Date.parse('2026-11-28T15:00:00Z');

function status(fields: Partial<StatusView> = {}): StatusView {
  return {
    podName: 'monai-label',
    state: 'ready',
    pod: { id: 'abc123', name: 'monai-label', status: 'RUNNING', gpu: 'RTX 4090', gpuCount: 1, costPerHr: 0.69, volumeGb: 30 },
    apiUrl: 'http://127.0.0.1:41000',
    uptimeSeconds: 3600,
    lastStatusChange: null,
    stoppedStoragePerMonth: null,
    account: null,
    operation: null,
    namesakes: [],
    unconfirmedDeploySentAt: null,
    runpodLog: null,
    asOf: NOW,
    idle: { idleMinutes: 42, keptUntil: null, keptBy: null },
    ...fields,
  };
}

function record(kind: OperationRecord['kind'], by: string, minutesAgo: number, status: OperationRecord['status']): OperationRecord {
  const at = NOW - minutesAgo * 60_000;
  return {
    id: `op-${minutesAgo}`,
    kind,
    podName: 'monai-label',
    status,
    view: { id: 'x', kind, podName: 'monai-label', phase: status, requestedBy: [by], startedAt: at, updatedAt: at, finishedAt: at, conditions: [], pod: null, result: null, error: status === 'failed' ? { code: 'RUNPOD_HOST_FULL', message: 'The pod’s machine has no free GPU.', action: '' } : null },
    intent: kind === 'terminate' ? { kind, podId: 'abc123' } : kind === 'stop' ? { kind } : { kind, models: ['deepgrow_2d'], newPod: false },
    requesterName: null,
    channel: 'C0LAB',
    messageTs: null,
    createdAt: at,
    updatedAt: at,
  };
}

describe('the App Home view', () => {
  it('shows state, URL, GPU, $/hr, idle time, a Stop button behind a confirm, and who did what', () => {
    const view = homeView(status(), [record('start', 'U0ALICE', 60, 'succeeded'), record('stop', 'auto-stop', 300, 'succeeded'), record('start', 'U0BOB', 400, 'failed')], NOW, 'UTC');
    expect(view.type).toBe('home');
    expect(blocksToText(view.blocks).split('\n')).toEqual([
      'MONAI LABEL POD: MONAI-LABEL',
      '*State:* 🟢 Running',
      '*GPU:* RTX 4090 · *$0.69/hr* while running · 30 GB volume',
      '*URL for 3D Slicer:* `http://127.0.0.1:41000`',
      '*Idle for* 42 min',
      '  [Stop the pod] → type: /monai stop pod=abc123 (MONAI Label goes offline for everyone using monai-label. The 30 GB volume and its data are kept.)',
      '————————————————————',
      '*Recent actions*',
      '✅ 14:00 · start by <@U0ALICE>',
      '✅ 10:00 · stop by auto-stop',
      '❌ 08:20 · start by <@U0BOB> — The pod’s machine has no free GPU.',
      '  · As of 15:00 · `/monai help` lists the commands · `/monai doctor` checks every link',
    ]);
  });

  it('offers Start for a stopped pod and shows what its volume costs', () => {
    const view = homeView(status({ state: 'stopped', apiUrl: null, stoppedStoragePerMonth: 6, idle: null }), [], NOW, 'UTC');
    const text = blocksToText(view.blocks);
    expect(text).toContain('*State:* ⏹️ Stopped');
    expect(text).toContain('Stopped, its volume costs $6.00/month.');
    expect(text).toContain('[Start the pod] → type: /monai start');
    expect(text).toContain('Nothing yet.');
  });
});

describe('App Home, mentions and DMs through Slack', () => {
  let fake: FakeSlack;
  let harness: Harness;
  let running: RunningSlack;
  beforeEach(async () => {
    fake = await new FakeSlack().start();
    harness = await startHarness({
      env: { SLACK_BOT_TOKEN: 'xoxb-test-bot-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, ALLOWED_USER_IDS: 'U0ALICE', ADMIN_USER_IDS: 'U0ADMIN' },
    });
    running = await startSlack(harness, 'http');
  });
  afterEach(async () => {
    await running.settle();
    await running.slack.stop();
    await harness.close();
    await fake.close();
  });

  it('publishes the Home tab when it is opened', async () => {
    expect((await signedEvent(running.url, { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' })).status).toBe(200);
    const publish = await fake.waitFor(() => fake.callsTo('views.publish')[0]);
    expect(publish.args['user_id']).toBe('U0ALICE');
    expect(JSON.stringify(publish.args['view'])).toContain('MONAI Label pod: monai-label');
    expect(JSON.stringify(publish.args['view'])).toContain('Start the pod');
  });

  it('runs a Home button, reports in the DM and refreshes the tab', async () => {
    const click = { ...buttonClick(fake, 'start', 'U0ALICE'), container: { type: 'view', view_id: 'V1' }, view: { id: 'V1', type: 'home' } };
    delete (click as { channel?: unknown }).channel;
    expect((await signedAction(running.url, click)).status).toBe(200);
    await fake.waitFor(() => running.work.length === 1);
    await running.settle();
    const post = fake.callsTo('chat.postMessage')[0]!;
    expect(post.args['channel']).toBe('U0ALICE');
    expect([...fake.messages.values()][0]!.text).toContain('monai-label is ready');
    expect(JSON.stringify(fake.callsTo('views.publish').at(-1)?.args['view'])).toContain('Stop the pod');
  });

  it('answers a mention in its thread with the best topic and its links', async () => {
    await signedEvent(running.url, { type: 'app_mention', user: 'U0ALICE', channel: 'C0LAB', ts: '1700000001.000100', text: '<@U0BOT> Slicer cannot connect, failed to fetch models' });
    const reply = await fake.waitFor(() => fake.callsTo('chat.postMessage')[0]);
    expect(reply.args['channel']).toBe('C0LAB');
    expect(reply.args['thread_ts']).toBe('1700000001.000100');
    expect(JSON.stringify(reply.args['blocks'])).toContain('https://');
  });

  it('answers a question in a DM, and ignores its own messages', async () => {
    await signedEvent(running.url, { type: 'message', channel_type: 'im', channel: 'D0ALICE', user: 'U0ALICE', ts: '1700000002.000100', text: 'next sample does nothing' });
    await signedEvent(running.url, { type: 'message', channel_type: 'im', channel: 'D0ALICE', bot_id: 'B0BOT', user: 'U0BOT', ts: '1700000003.000100', text: 'echo' });
    const reply = await fake.waitFor(() => fake.callsTo('chat.postMessage')[0]);
    expect(reply.args['channel']).toBe('D0ALICE');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  /** A click on the Home tab as Slack sends it: a view container, no channel, no response_url. */
  function homeClick(command: string, user: string, hash = 'h1') {
    const click: Record<string, unknown> = { ...buttonClick(fake, command, user), container: { type: 'view', view_id: 'V1' }, view: { id: 'V1', type: 'home', hash } };
    delete click['channel'];
    delete click['response_url'];
    delete click['message'];
    return click;
  }

  it('shows the URL to people who may use the bot and not to the others', async () => {
    await runCommand(harness, 'start');
    const { token } = await harness.bot.gate();
    await signedEvent(running.url, { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' });
    await signedEvent(running.url, { type: 'app_home_opened', user: 'U0MALLORY', channel: 'D0MALLORY', tab: 'home' });
    const views = await fake.waitFor(() => (fake.callsTo('views.publish').length === 2 ? fake.callsTo('views.publish') : undefined));
    const forUser = (user: string) => JSON.stringify(views.find((call) => call.args['user_id'] === user)!.args['view']);
    expect(forUser('U0ALICE')).toContain(`/${token}/`);
    expect(forUser('U0ALICE')).toContain('Stop the pod');
    expect(forUser('U0MALLORY')).not.toContain(token);
    expect(forUser('U0MALLORY')).not.toContain('Stop the pod');
    expect(forUser('U0MALLORY')).not.toContain('Recent actions');
    expect(forUser('U0MALLORY')).toContain('Running');
    expect(forUser('U0MALLORY')).toContain('Ask <@U0ADMIN> to add you');
  });

  it('answers a refused Home click, which has no response_url, in a DM', async () => {
    expect((await signedAction(running.url, homeClick('start', 'U0MALLORY'))).status).toBe(200);
    const dm = await fake.waitFor(() => fake.callsTo('chat.postMessage')[0]);
    await running.settle();
    expect(dm.args['channel']).toBe('U0MALLORY');
    expect(JSON.stringify(dm.args['blocks'])).toContain('You are not on the list of people who may use this bot');
    expect(fake.responses).toEqual([]);
    expect(harness.sim.deployInputs).toEqual([]);
    expect(harness.logs()).not.toContain('respond is not a function');
  });

  it('answers “already under way” and “already used” on the Home tab in a DM too', async () => {
    // The pod's container never comes up while the test looks: the first start stays under way.
    harness.sim.runtimeDelayMs = 600_000;
    await signedAction(running.url, homeClick('start', 'U0ALICE', 'first'));
    await eventually(() => harness.bot.reconciler.active);
    await signedAction(running.url, homeClick('start', 'U0ALICE', 'second'));
    await signedAction(running.url, homeClick('start', 'U0ALICE', 'second'));
    const dmWith = (text: string) => fake.callsTo('chat.postMessage').find((call) => JSON.stringify(call.args).includes(text));
    const underWay = await fake.waitFor(() => dmWith('already under way'));
    const used = await fake.waitFor(() => dmWith('already used'));
    expect([underWay.args['channel'], used.args['channel']]).toEqual(['U0ALICE', 'U0ALICE']);
    expect(fake.responses).toEqual([]);
    await want(harness, 'stop');
  });
});

describe('the App Home tab for someone the bot refuses', () => {
  it('shows the state only: no URL, no buttons, no history, and whom to ask', () => {
    const view = homeView(status({ apiUrl: 'http://127.0.0.1:41000/S3cretS3cretS3cretS3cret0123/' }), [record('start', 'U0ALICE', 60, 'succeeded')], NOW, 'UTC', 'You are not on the list of people who may use this bot. Ask <@U0ADMIN> to add you (ALLOWED_USER_IDS).');
    const text = blocksToText(view.blocks);
    expect(text.split('\n')).toEqual([
      'MONAI LABEL POD: MONAI-LABEL',
      '*State:* 🟢 Running',
      '  · 🔒 You are not on the list of people who may use this bot. Ask <@U0ADMIN> to add you (ALLOWED_USER_IDS).',
      '  · As of 15:00',
    ]);
    expect(JSON.stringify(view)).not.toContain('S3cret');
    expect(view.blocks.some((block) => block.type === 'actions')).toBe(false);
  });
});
