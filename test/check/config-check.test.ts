import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostThePodCannotReach } from '../../src/check/checks.js';
import { main } from '../../src/main.js';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { FakeOrthanc } from '../../src/sim/orthanc.js';
import { generateKeyPair } from '../../src/ssh/keys.js';
import { FakeSlack, SIGNING_SECRET } from '../helpers/fake-slack.js';

const RUNPOD_KEY = 'check0runpod0key0123456';
const BOT_TOKEN = 'xoxb-check-bot-token';
const APP_TOKEN = 'xapp-1-check-app-token';
const ORTHANC_PASSWORD = 'orthanc0secret0pw';

let fake: FakeSlack;
let sim: RunPodSimulator;
let orthanc: FakeOrthanc;
let dir: string;
let keyPath: string;

beforeAll(async () => {
  fake = await new FakeSlack().start();
  orthanc = await new FakeOrthanc({ series: 3, username: 'bot', password: ORTHANC_PASSWORD }).start();
  dir = mkdtempSync(join(tmpdir(), 'monai-check-'));
  keyPath = join(dir, 'id_ed25519');
  writeFileSync(keyPath, generateKeyPair().privateKey, { mode: 0o600 });
});

beforeEach(async () => {
  await sim?.close();
  sim = await new RunPodSimulator({ apiKey: RUNPOD_KEY }).start();
  fake.channelInfo.clear();
});

afterAll(async () => {
  await sim.close();
  await orthanc.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A lab's .env in Socket Mode, every link pointing at a loopback fake. */
function goodEnv(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    RUNPOD_API_KEY: RUNPOD_KEY,
    RUNPOD_API_URL: sim.v2Url,
    SSH_PRIVATE_KEY_PATH: keyPath,
    DICOMWEB_URL: orthanc.url,
    DICOMWEB_USERNAME: 'bot',
    DICOMWEB_PASSWORD: ORTHANC_PASSWORD,
    DATABASE_PATH: join(dir, 'data', 'bot.sqlite'),
    DIGEST_CHANNEL: 'C0LAB',
  };
}

/** `npm run check` as the user runs it: main with --check, its output and exit code. */
async function check(env: Record<string, string>, argv: string[] = []): Promise<{ code: number; out: string; lines: string[]; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(['--check', ...argv], env, {
    stdin: new PassThrough(),
    stdout,
    stderr,
    cwd: dir,
    interactive: false,
    stopSignal: new Promise(() => undefined),
  });
  return { code, out, err, lines: out.split('\n') };
}

const lineOf = (lines: string[], title: string) => lines.find((line) => line.slice(6).startsWith(`${title}:`)) ?? `(no ${title} line)`;

describe('npm run check', () => {
  it('passes every link of a working setup and says the bot is ready', async () => {
    const { code, out, lines } = await check(goodEnv());

    expect(code).toBe(0);
    expect(lines[1]).toBe('Mode: Slack over Socket Mode (SLACK_APP_TOKEN is set)');
    for (const title of ['Configuration', 'Slack bot token', 'Slack Socket Mode', 'Digest channel', 'RunPod API key', 'GPU types', 'SSH key', 'DICOMweb (Orthanc)', 'Database']) {
      expect(lineOf(lines, title)).toMatch(/^PASS {2}/);
    }
    expect(lineOf(lines, 'Slack bot token')).toContain('@monai in workspace “Lab” (T0LAB)');
    expect(lineOf(lines, 'RunPod API key')).toContain('balance $25.00');
    expect(lineOf(lines, 'SSH key')).toContain('a ssh-ed25519 private key');
    expect(lineOf(lines, 'Database')).toContain('schema version 5');
    expect(out).toContain('All good: the bot is ready to start (npm start).');
    for (const secret of [BOT_TOKEN, APP_TOKEN, RUNPOD_KEY, ORTHANC_PASSWORD]) expect(out).not.toContain(secret);
  });

  const broken: { link: string; title: string; breakIt: (env: Record<string, string>) => void | Promise<void>; detail: RegExp; fix: RegExp }[] = [
    {
      link: 'a revoked bot token',
      title: 'Slack bot token',
      breakIt: () => fake.fail('auth.test', { error: 'token_revoked' }),
      detail: /Slack refused SLACK_BOT_TOKEN \(token_revoked\)/,
      fix: /Bot User OAuth Token/,
    },
    {
      link: 'an app-level token without Socket Mode',
      title: 'Slack Socket Mode',
      breakIt: () => fake.fail('apps.connections.open', { error: 'invalid_auth' }),
      detail: /Slack refused SLACK_APP_TOKEN \(invalid_auth\)/,
      fix: /connections:write/,
    },
    {
      link: 'a digest channel the bot was not invited to',
      title: 'Digest channel',
      breakIt: () => void fake.channelInfo.set('C0LAB', { name: 'annotation', is_member: false }),
      detail: /not a member of #annotation/,
      fix: /\/invite @monai/,
    },
    {
      link: 'a private digest channel, or a wrong ID',
      title: 'Digest channel',
      breakIt: () => void fake.channelInfo.set('C0LAB', 'channel_not_found'),
      detail: /C0LAB is not visible to the bot/,
      fix: /check the ID/,
    },
    {
      link: 'a wrong RunPod key',
      title: 'RunPod API key',
      breakIt: (env) => void (env['RUNPOD_API_KEY'] = 'someone0elses0key0123456'),
      detail: /RunPod rejected the API key/,
      fix: /RunPod → Settings → API Keys/,
    },
    {
      link: 'an account with no credit',
      title: 'RunPod API key',
      breakIt: async () => {
        await sim.close();
        sim = await new RunPodSimulator({ apiKey: RUNPOD_KEY, balance: 0 }).start();
      },
      detail: /balance \$0\.00/,
      fix: /add credit in RunPod → Billing/,
    },
    {
      link: 'a typo in GPU_TYPES, which RunPod would refuse like a sold-out GPU',
      title: 'GPU types',
      breakIt: (env) => void (env['GPU_TYPES'] = 'NVIDIA GeForce RTX 4909,NVIDIA RTX A5000'),
      detail: /^FAIL {2}GPU types: GPU_TYPES: RunPod has no GPU type “NVIDIA GeForce RTX 4909” — did you mean “NVIDIA GeForce RTX 4090” \(RTX 4090\)\?$/,
      fix: /GPU_TYPES=NVIDIA GeForce RTX 4090,NVIDIA RTX A5000 \(the GPU ID column of docs\.runpod\.io\/references\/gpu-types/,
    },
    {
      link: 'a log file in a folder that cannot be created',
      title: 'Log file',
      breakIt: (env) => {
        writeFileSync(join(dir, 'not-a-folder'), '');
        env['LOG_FILE'] = join(dir, 'not-a-folder', 'logs', 'bot.log');
      },
      detail: /^FAIL {2}Log file: LOG_FILE: .*not-a-folder\/logs\/bot\.log: .*not-a-folder is a file, so the folder .* cannot be created$/,
      fix: /point LOG_FILE into a folder: LOG_FILE=\.\/data\/logs\/bot\.log, or, under the systemd unit, LOG_FILE=\/var\/log\/monai-pod-bot\/bot\.log/,
    },
    {
      link: 'a missing SSH key',
      title: 'SSH key',
      breakIt: (env) => void (env['SSH_PRIVATE_KEY_PATH'] = join(dir, 'no-such-key')),
      detail: /SSH_PRIVATE_KEY_PATH: There is no SSH key at .*no-such-key/,
      fix: /ssh-keygen -t ed25519/,
    },
    {
      link: 'a database folder that cannot be created',
      title: 'Database',
      breakIt: (env) => {
        writeFileSync(join(dir, 'a-file'), '');
        env['DATABASE_PATH'] = join(dir, 'a-file', 'bot.sqlite');
      },
      detail: /DATABASE_PATH: .*a-file\/bot\.sqlite: .*a-file is a file, so the folder .* cannot be created/,
      fix: /point DATABASE_PATH into a folder/,
    },
  ];

  for (const { link, title, breakIt, detail, fix } of broken) {
    it(`fails on ${link}, says how to fix it, and passes the rest`, async () => {
      const env = goodEnv();
      await breakIt(env);
      if (env['RUNPOD_API_URL'] !== sim.v2Url) env['RUNPOD_API_URL'] = sim.v2Url;
      const { code, out, lines } = await check(env);

      expect(code).toBe(1);
      const at = lines.indexOf(lineOf(lines, title));
      expect(lines[at]).toMatch(/^FAIL {2}/);
      expect(lines[at]).toMatch(detail);
      expect(lines[at + 1]).toMatch(/^ {6}Fix: /);
      expect(lines[at + 1]).toMatch(fix);
      expect(lines.filter((line) => line.startsWith('FAIL'))).toHaveLength(1);
      expect(out).toContain('1 check failed: fix it and run npm run check again.');
      expect(out).not.toContain(ORTHANC_PASSWORD);
    });
  }

  it('only warns when DICOMweb does not answer this host: the pod is what must reach it', async () => {
    orthanc.down = true;
    try {
      const { code, lines } = await check(goodEnv());
      expect(code).toBe(0);
      expect(lineOf(lines, 'DICOMweb (Orthanc)')).toMatch(/^WARN {2}.* did not answer from this host/);
      expect(lines.join('\n')).toContain('No failures, 1 warning');
    } finally {
      orthanc.down = false;
    }
  });

  it('warns when Orthanc refuses the credentials', async () => {
    const { code, lines } = await check({ ...goodEnv(), DICOMWEB_PASSWORD: 'wrong0password' });
    expect(code).toBe(0);
    expect(lineOf(lines, 'DICOMweb (Orthanc)')).toMatch(/^WARN {2}.*refused DICOMWEB_USERNAME\/DICOMWEB_PASSWORD \(HTTP 401\)/);
  });

  it('warns when other users on the host can read the SSH key', async () => {
    const loose = join(dir, 'loose_key');
    writeFileSync(loose, generateKeyPair().privateKey);
    chmodSync(loose, 0o644);
    const { lines } = await check({ ...goodEnv(), SSH_PRIVATE_KEY_PATH: loose });
    expect(lineOf(lines, 'SSH key')).toMatch(/^WARN {2}.*other users on this host can read it/);
    expect(lines.join('\n')).toContain(`Fix: chmod 600 ${loose}`);
  });

  it('fails every Slack line, with the address, when Slack does not answer', async () => {
    const { code, lines } = await check({ ...goodEnv(), SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    expect(code).toBe(1);
    for (const title of ['Slack bot token', 'Slack Socket Mode', 'Digest channel']) {
      expect(lineOf(lines, title)).toMatch(/^FAIL {2}.*Slack did not answer at http:\/\/127\.0\.0\.1:9\/api\//);
    }
    expect(lineOf(lines, 'RunPod API key')).toMatch(/^PASS/);
  });

  it('reads the settings from --dotenv when given one, and says so', async () => {
    const file = join(dir, 'lab.env');
    writeFileSync(file, Object.entries(goodEnv()).map(([key, value]) => `${key}=${value}`).join('\n'));
    const { code, lines } = await check({}, ['--dotenv', file]);
    expect(code).toBe(0);
    expect(lines[0]).toBe(`monai-pod-bot 0.1.0 configuration check (settings from ${file} and the environment)`);

    const missing = await check({}, [`--dotenv=${join(dir, 'nope.env')}`]);
    expect(missing.code).toBe(78);
    expect(missing.err).toBe(`Configuration error: --dotenv: there is no file at ${join(dir, 'nope.env')}\n  Fix: check the path (a relative one starts from ${dir}).\n`);
  });

  it('names a malformed setting and stops there', async () => {
    const { code, out } = await check({ ...goodEnv(), VOLUME_GB: 'lots' });
    expect(code).toBe(1);
    expect(out).toContain('FAIL  Configuration: VOLUME_GB: expected a whole number from 10 to 2000 (got "lots")');
    expect(out).not.toContain('RunPod API key');
  });

  it('in HTTP mode checks the bot token and explains that Slack proves the signing secret', async () => {
    const env = goodEnv();
    delete env['SLACK_APP_TOKEN'];
    const { code, lines } = await check({ ...env, SLACK_SIGNING_SECRET: SIGNING_SECRET });
    expect(code).toBe(0);
    expect(lines[1]).toContain('Slack over HTTP');
    expect(lineOf(lines, 'Slack signing secret')).toMatch(/^PASS {2}.*signature mismatch/);
    expect(lines.some((line) => line.includes('Socket Mode:'))).toBe(false);
  });
});

describe('a DICOMweb address the pod cannot reach', () => {
  it('is one inside the lab when the pods run in RunPod’s cloud', () => {
    const cloud = 'https://api.runpod.io/graphql';
    expect(hostThePodCannotReach('http://192.168.1.20:8042/dicom-web', cloud)).toBe('192.168.1.20');
    expect(hostThePodCannotReach('http://10.0.0.5/dicom-web', cloud)).toBe('10.0.0.5');
    expect(hostThePodCannotReach('http://172.20.1.1/dicom-web', cloud)).toBe('172.20.1.1');
    expect(hostThePodCannotReach('http://localhost:8042/dicom-web', cloud)).toBe('localhost');
    expect(hostThePodCannotReach('http://pacs.local/dicom-web', cloud)).toBe('pacs.local');
    expect(hostThePodCannotReach('http://[::1]:8042/dicom-web', cloud)).toBe('[::1]');
  });

  it('is a lab address even when the pods are simulated on this host: the sandbox warns as RunPod’s cloud would', () => {
    expect(hostThePodCannotReach('http://192.168.1.20:8042/dicom-web', 'http://127.0.0.1:4000/graphql')).toBe('192.168.1.20');
    expect(hostThePodCannotReach('http://pacs.local/dicom-web', 'http://127.0.0.1:4000/graphql')).toBe('pacs.local');
  });

  it('is not a public address, nor a loopback one when the pods are simulated on this host', () => {
    expect(hostThePodCannotReach('https://pacs.lab-university.edu/dicom-web', 'https://api.runpod.io/graphql')).toBeNull();
    expect(hostThePodCannotReach('http://172.32.0.1/dicom-web', 'https://api.runpod.io/graphql')).toBeNull();
    expect(hostThePodCannotReach('http://127.0.0.1:8042/dicom-web', 'http://127.0.0.1:4000/graphql')).toBeNull();
    expect(hostThePodCannotReach('http://localhost:8042/dicom-web', 'http://localhost:4000/graphql')).toBeNull();
  });
});
