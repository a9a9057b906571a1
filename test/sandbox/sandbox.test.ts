import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess } from '../helpers/bot-process.js';
import { runMain } from '../helpers/run-main.js';

/**
 * `npm run sandbox` as the README's setup guide uses it: its Slack must refuse what Slack refuses,
 * its settings must include an admin, the DICOMweb warning must be reachable, and quitting it first
 * (Ctrl-D) must not leave the bot reconnecting in a loop.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let sandbox: ChildProcess;
let output = '';
let envFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monai-sandbox-'));
  sandbox = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/sandbox.ts')], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  sandbox.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  sandbox.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('Ctrl-D quits'), 120_000);
  envFile = join(dir, 'data/sandbox/sandbox.env');
}, 150_000);

afterAll(() => {
  if (sandbox.exitCode === null) sandbox.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out; sandbox said:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `npm run check -- --dotenv data/sandbox/sandbox.env`, with settings broken through the environment. */
async function check(env: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
  const { code, out } = await runMain(['--check', '--dotenv', envFile], env, dir);
  return { code, lines: out.split('\n') };
}

const line = (lines: string[], title: string) => lines.find((candidate) => candidate.slice(6).startsWith(`${title}:`)) ?? `(no ${title} line)`;

describe('the sandbox', () => {
  it('writes settings with an admin, and they pass the check', async () => {
    expect(readFileSync(envFile, 'utf8')).toMatch(/^ADMIN_USER_IDS=U0SANDBOX$/m);
    const { code, lines } = await check();
    expect(lines).toContain('All good: the bot is ready to start (npm start).');
    expect(code).toBe(0);
  });

  it('refuses a token it did not issue, as Slack does', async () => {
    const { code, lines } = await check({ SLACK_BOT_TOKEN: 'xoxb-0-0-guessed' });
    expect(code).toBe(1);
    expect(line(lines, 'Slack bot token')).toBe('FAIL  Slack bot token: Slack refused SLACK_BOT_TOKEN (invalid_auth)');
    const guessedApp = await check({ SLACK_APP_TOKEN: 'xapp-1-A0-guessed' });
    expect(line(guessedApp.lines, 'Slack Socket Mode')).toBe('FAIL  Slack Socket Mode: Slack refused SLACK_APP_TOKEN (invalid_auth)');
  });

  it('knows which channels exist and which the bot was invited to; /invite fixes the second', async () => {
    const unknown = await check({ DIGEST_CHANNEL: 'C0NOSUCH' });
    expect(line(unknown.lines, 'Digest channel')).toBe('FAIL  Digest channel: C0NOSUCH is not visible to the bot: a wrong ID, or a private channel it was not invited to');
    const notInvited = await check({ DIGEST_CHANNEL: 'C0RANDOM' });
    expect(line(notInvited.lines, 'Digest channel')).toBe('FAIL  Digest channel: the bot is not a member of #random, so it cannot post there');

    sandbox.stdin!.write('/invite #random\n');
    await waitFor(() => output.includes('The bot is now a member of #random (C0RANDOM).'), 10_000);
    const invited = await check({ DIGEST_CHANNEL: 'C0RANDOM' });
    expect(line(invited.lines, 'Digest channel')).toBe('PASS  Digest channel: the bot can post in #random');
  });

  it('warns about a DICOMweb address inside the lab’s network, as for RunPod’s cloud', async () => {
    const { code, lines } = await check({ DICOMWEB_URL: 'http://192.168.1.20:8042/dicom-web' });
    expect(code).toBe(0);
    expect(line(lines, 'DICOMweb (Orthanc)')).toBe('WARN  DICOMweb (Orthanc): 192.168.1.20 is a private address: the pod, in RunPod’s cloud, cannot reach it');
  });

  it('quit first (Ctrl-D), leaves a bot that says why once and stops, instead of reconnecting in a loop', async () => {
    const bot = await startBotProcess({}, dir, { args: ['--dotenv', envFile] });
    sandbox.stdin!.write('/monai status\n');
    await waitFor(() => output.includes('[only you] ⚪ There is no pod named monai-label'), 20_000);

    sandbox.stdin!.end();
    const { code } = await bot.exited;

    expect(code).toBe(78);
    const log = bot.output();
    expect(log.match(/link_disabled/g)).toHaveLength(2); // the explanation, and "stopping" with its reason
    expect(log).toContain('Slack turned Socket Mode off for this app (link_disabled): the bot can receive nothing, so it stops.');
    expect(log).not.toMatch(/WebSocket error|http request failed|reconnecting/);
    await waitFor(() => sandbox.exitCode !== null, 20_000);
    expect(sandbox.exitCode).toBe(0);
  }, 60_000);
});
