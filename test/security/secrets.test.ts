import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleSurface } from '../../src/console/console.js';
import { createLogger } from '../../src/log.js';
import { loadConfig } from '../../src/config/load.js';
import { noticeMessage } from '../../src/messages/common.js';
import { Redactor } from '../../src/redact.js';
import { FakeSlack, fakeBotToken, SIGNING_SECRET, signedCommand, slashCommand } from '../helpers/fake-slack.js';
import { SIM_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { startSlack, type RunningSlack } from '../helpers/slack-app.js';

const BOT_TOKEN = fakeBotToken();
const SECRETS = [BOT_TOKEN, SIGNING_SECRET, SIM_KEY];

let fake: FakeSlack | undefined;
let harness: Harness | undefined;
let running: RunningSlack | undefined;

afterEach(async () => {
  await running?.slack.stop();
  await harness?.close();
  await fake?.close();
  [running, harness, fake] = [undefined, undefined, undefined];
});

function leaks(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

describe('secrets', () => {
  it('never reach Slack or the log, even when RunPod echoes them back in an error', async () => {
    fake = await new FakeSlack().start();
    harness = await startHarness({
      env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'debug' },
    });
    // A hostile or buggy upstream that quotes credentials in its error text.
    harness.sim.inject(
      { kind: 'error', message: `Invalid request from key ${SIM_KEY} with header Authorization: Bearer ${SIM_KEY} token ${BOT_TOKEN}` },
      { operation: 'deploy' },
    );
    running = await startSlack(harness, 'http');
    const { url, work } = running;

    await signedCommand(url, slashCommand(fake, 'start'));
    await fake.waitFor(() => work.length === 1);
    await Promise.all(work);
    await signedCommand(url, slashCommand(fake, `status ${SIM_KEY}`));
    await fake.waitFor(() => fake!.responses.length >= 1);

    const message = [...fake.messages.values()][0]!;
    expect(message.text).toContain('RunPod refused the request');
    expect(message.text).toContain('[redacted]');
    const outgoing = JSON.stringify({ messages: [...fake.messages.values()], responses: fake.responses, calls: fake.calls.filter((call) => call.method !== 'auth.test').map((call) => call.args) });
    expect(leaks(outgoing)).toEqual([]);
    expect(harness.logs()).toContain('RunPod refused the request');
    expect(leaks(harness.logs())).toEqual([]);
  });

  it('are scrubbed from log messages, metadata and error stacks', () => {
    let out = '';
    const stream = new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString()));
    const logger = createLogger({ level: 'debug', format: 'json', redactor: new Redactor(SECRETS), stream });
    const error = new Error(`failed with ${SIM_KEY}`);
    logger.error(`token ${BOT_TOKEN}`, { nested: { deep: [SIGNING_SECRET] }, error, url: `https://api.runpod.io/graphql?api_key=${SIM_KEY}` });
    logger.warn('a Slack token of another app', { token: 'xoxb-999-888-unknownButStillAToken' });
    expect(leaks(out)).toEqual([]);
    expect(out).not.toContain('unknownButStillAToken');
    expect(out).toContain('api_key=[redacted]');
  });

  it('are scrubbed from console output', async () => {
    let out = '';
    const surface = new ConsoleSurface(new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString())), new Redactor(SECRETS));
    await surface.post('console', noticeMessage(`the key is ${SIM_KEY}`));
    expect(out).toBe('the key is [redacted]\n');
  });

  it('are recognised by shape when they were never configured: keys, tokens, URL passwords', () => {
    const redactor = new Redactor([]);
    expect(redactor.redact('xapp-1-A0B1C2-3456-abcdef')).toBe('[redacted]');
    expect(redactor.redact('http://orthanc:hunter2@pacs.lab:8042/dicom-web')).toBe('http://orthanc:[redacted]@pacs.lab:8042/dicom-web');
    expect(redactor.redact('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----')).toBe('[redacted]');
    expect(redactor.redact('Authorization: Basic b3J0aGFuYzpodW50ZXIy')).toBe('Authorization: Basic [redacted]');
  });

  it('are replaced whole when one contains another, and only a message holding one is copied', () => {
    const redactor = new Redactor(['orthanc-password', 'orthanc-password-2026', 'A'.repeat(5)]);
    expect(redactor.redact('pw orthanc-password-2026 and ORTHANC-PASSWORD; AAAAA stays')).toBe('pw [redacted] and [redacted]; AAAAA stays');
    const clean = { text: 'MONAI Label is ready', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'ok' } }] };
    expect(redactor.redactDeep(clean)).toBe(clean);
    const leaky = { text: 'fine', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'pw orthanc-password' } }, { type: 'divider' }] };
    const scrubbed = redactor.redactDeep(leaky);
    expect(scrubbed.blocks[0]?.text).toEqual({ type: 'mrkdwn', text: 'pw [redacted]' });
    expect(scrubbed.blocks[1]).toBe(leaky.blocks[1]);
    expect(leaky.blocks[0]?.text?.text).toBe('pw orthanc-password');
  });

  it('are caught Slack-escaped, quoted, backslash-escaped and inside URLs', () => {
    const password = `0rth@nc p'ss<&>"\\x`;
    const redactor = new Redactor([password]);
    const forms = [
      password,
      password.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'), // Slack mrkdwn
      JSON.stringify(password).slice(1, -1), // a JSON string
      JSON.stringify(password).slice(1, -1).replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026'), // JSON with \u escapes
      password.replaceAll("'", `'\\''`), // inside a single-quoted shell word
      password.replace(/[^A-Za-z0-9]/g, (char) => `\\${char}`), // printf %q, Python repr
      encodeURIComponent(password), // a URL
      encodeURIComponent(password).toLowerCase(), // lower-case hex
      new URLSearchParams({ p: password }).toString().slice(2), // a form: spaces as +
      encodeURI(password), // a URL that kept what it could
    ];
    for (const form of forms) expect(redactor.redact(`before ${form} after`), form).toBe('before [redacted] after');
    expect(redactor.redact(`http://orthanc:${encodeURIComponent(password)}@pacs/dicom-web`)).toBe('http://orthanc:[redacted]@pacs/dicom-web');
  });

  it('a secret shorter than 6 characters is a configuration error that names the variable', () => {
    expect(() => loadConfig({ DICOMWEB_URL: 'http://pacs/dicom-web', DICOMWEB_USERNAME: 'orthanc', DICOMWEB_PASSWORD: 'pw12' })).toThrow(/DICOMWEB_PASSWORD: a secret shorter than 6 characters/);
    // Every other secret's own pattern already asks for more than 6 characters.
    expect(() => loadConfig({ DICOMWEB_URL: 'http://pacs/dicom-web', DICOMWEB_USERNAME: 'orthanc', DICOMWEB_PASSWORD: 'pw1234' })).not.toThrow();
  });

  it('the secret URL is shown in messages but never written to the log', () => {
    let out = '';
    const redactor = new Redactor([]);
    const logger = createLogger({ level: 'debug', format: 'json', redactor, stream: new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString())) });
    const token = 'S3cretPathS3cretPathS3cretPath00';
    redactor.hideInLogs(token);
    const message = noticeMessage(`Paste into 3D Slicer: http://127.0.0.1:41000/${token}/`);
    expect(redactor.redactDeep(message)).toBe(message);
    logger.info(`posted http://127.0.0.1:41000/${token}/`, { message });
    expect(out).not.toContain(token);
    expect(out).toContain('http://127.0.0.1:41000/[redacted]/');
  });
});
