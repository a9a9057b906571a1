import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { generateKeyPair, loadKeyPair } from '../../src/ssh/keys.js';
import { whyNotWritable } from '../../src/startup/writable.js';
import { spawnBotProcess } from '../helpers/bot-process.js';
import { freePort } from '../helpers/sshd.js';

/**
 * Files the bot's user cannot use — the SSH key root made, a LOG_FILE or DATABASE_PATH in a folder
 * it may not write — met for real: as root, the bot runs as `nobody`; as anyone else, the files'
 * modes shut the bot out. `npm run check` and `npm start` must name the variable and the exact fix,
 * in the same words.
 */
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/** The name the bot will see for its own user. */
const botUser = asRoot ? (readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.split(':')[2] === String(NOBODY))?.split(':')[0] ?? String(NOBODY)) : userInfo().username;
const KEY = 'files0runpod0key0123456';

let sim: RunPodSimulator;
let dir: string;
let goodKey: string;
let lockedKey: string;
let locked: string;
let dicomweb: string;

/** A file or folder the bot's user owns (as root: hand it to nobody). */
const giveToBot = (path: string) => (asRoot ? chownSync(path, NOBODY, NOBODY) : undefined);

beforeAll(async () => {
  sim = await new RunPodSimulator({ apiKey: KEY }).start();
  dicomweb = `http://127.0.0.1:${await freePort()}/dicom-web`;
  dir = mkdtempSync(join(tmpdir(), 'monai-files-'));
  chmodSync(dir, 0o755);
  const key = generateKeyPair().privateKey;
  goodKey = join(dir, 'bot_key');
  writeFileSync(goodKey, key, { mode: 0o600 });
  giveToBot(goodKey);
  // The key as root made it: it exists, but the service's user may not read it.
  lockedKey = join(dir, 'root_key');
  writeFileSync(lockedKey, key, { mode: asRoot ? 0o600 : 0o000 });
  locked = join(dir, 'locked');
  mkdirSync(locked, { mode: asRoot ? 0o755 : 0o555 });
  mkdirSync(join(dir, 'data'));
  giveToBot(join(dir, 'data'));
});

afterAll(async () => {
  await sim.close();
  chmodSync(locked, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function env(over: Record<string, string>): Record<string, string> {
  return {
    RUNPOD_API_KEY: KEY,
    RUNPOD_API_URL: sim.v2Url,
    DICOMWEB_URL: dicomweb,
    SSH_PRIVATE_KEY_PATH: goodKey,
    DATABASE_PATH: join(dir, 'data', 'bot.sqlite'),
    ...over,
  };
}

async function run(settings: Record<string, string>, args: string[]) {
  const bot = spawnBotProcess(settings, dir, { args, ...(asRoot ? { uid: NOBODY } : {}) });
  const { code } = await bot.exited;
  return { code, lines: bot.output().split('\n') };
}

/** The check's FAIL line (after the title) with its fix, and npm start's configuration error with its fix. */
async function checkAndStart(settings: Record<string, string>, title: string) {
  const check = await run(settings, ['--check']);
  const at = check.lines.findIndex((line) => line.startsWith(`FAIL  ${title}: `));
  const start = await run(settings, []);
  const stop = start.lines.findIndex((line) => line.startsWith('Configuration error: '));
  return {
    check: { code: check.code, detail: check.lines[at]?.slice(`FAIL  ${title}: `.length), fix: check.lines[at + 1]?.replace(/^ {6}Fix: /, '') },
    start: { code: start.code, detail: start.lines[stop]?.slice('Configuration error: '.length), fix: start.lines[stop + 1]?.replace(/^ {2}Fix: /, '') },
  };
}

describe('files the bot’s user cannot use', () => {
  it('an SSH key it cannot read: the file exists, give it to the bot’s user — never “create one with ssh-keygen”', async () => {
    const { check, start } = await checkAndStart(env({ SSH_PRIVATE_KEY_PATH: lockedKey }), 'SSH key');

    expect(check.code).toBe(1);
    expect(check.detail).toBe(`SSH_PRIVATE_KEY_PATH: The SSH key at ${lockedKey} exists, but the bot’s user (${botUser}) cannot read it (permission denied: it belongs to another user, or its mode shuts the bot out).`);
    expect(check.fix).toBe(`Do not make a new key: the pods already trust this one. Give it to the bot’s user: sudo chown ${botUser}: ${lockedKey} && sudo chmod 600 ${lockedKey}`);
    expect(check.fix).not.toContain('ssh-keygen');
    expect(start).toEqual({ ...check, code: 78 });
  }, 60_000);

  it('a LOG_FILE in a folder it cannot write: named, with the mkdir and chown that fix it', async () => {
    const logFile = join(locked, 'logs', 'bot.log');
    const { check, start } = await checkAndStart(env({ LOG_FILE: logFile }), 'Log file');

    expect(check.code).toBe(1);
    expect(check.detail).toBe(`LOG_FILE: ${logFile}: the folder ${join(locked, 'logs')} does not exist and ${locked} is not writable by the user the bot runs as (${botUser}), so it cannot be created`);
    expect(check.fix).toBe(`LOG_FILE’s folder must exist or be creatable, and be writable by the user the bot runs as (${botUser}): sudo mkdir -p ${join(locked, 'logs')} && sudo chown ${botUser}: ${join(locked, 'logs')}`);
    expect(start).toEqual({ ...check, code: 78 });
  }, 60_000);

  it('a DATABASE_PATH it cannot write: the path and that its folder must be writable by the bot’s user, at start as in the check', async () => {
    const database = join(locked, 'bot.sqlite');
    const { check, start } = await checkAndStart(env({ DATABASE_PATH: database }), 'Database');

    expect(check.code).toBe(1);
    expect(check.detail).toBe(`DATABASE_PATH: ${database}: the folder ${locked} is not writable by the user the bot runs as (${botUser})`);
    expect(check.fix).toBe(`DATABASE_PATH’s folder must exist or be creatable, and be writable by the user the bot runs as (${botUser}): sudo mkdir -p ${locked} && sudo chown ${botUser}: ${locked}`);
    expect(start).toEqual({ ...check, code: 78 });
  }, 60_000);

  it('every mistake at once in .env: one FAIL line each, naming the variable, and a non-zero exit', async () => {
    writeFileSync(
      join(dir, '.env'),
      [
        'ALLOWED_CHANNEL_IDS=#annotation',
        'GPU_TYPES=NVIDIA GeForce RTX 4909,NVIDIA RTX A5000',
        `SSH_PRIVATE_KEY_PATH=${lockedKey}`,
        `LOG_FILE=${join(locked, 'logs', 'bot.log')}`,
        `DATABASE_PATH=${join(locked, 'bot.sqlite')}`,
      ].join('\n'),
      { mode: 0o644 },
    );
    try {
      const { RUNPOD_API_KEY, RUNPOD_API_URL, DICOMWEB_URL } = env({});
      const { code, lines } = await run({ RUNPOD_API_KEY: RUNPOD_API_KEY!, RUNPOD_API_URL: RUNPOD_API_URL!, DICOMWEB_URL: DICOMWEB_URL! }, ['--check']);
      const failures = lines.filter((line) => line.startsWith('FAIL'));
      expect(code).toBe(1);
      expect(failures.map((line) => /^FAIL {2}[^:]+: ([A-Z_]+):/.exec(line)?.[1])).toEqual(['ALLOWED_CHANNEL_IDS', 'GPU_TYPES', 'SSH_PRIVATE_KEY_PATH', 'DATABASE_PATH', 'LOG_FILE']);
      for (const line of failures) expect(lines[lines.indexOf(line) + 1]).toMatch(/^ {6}Fix: \S/);
      expect(lines.join('\n')).toContain('5 checks failed');
    } finally {
      rmSync(join(dir, '.env'));
    }
  }, 60_000);
});

describe('fixes inside the project’s container', () => {
  const container = { user: 'node', inContainer: true };

  it('point at the host’s ./data/ssh for a key under the read-only mount', async () => {
    const path = join(dir, 'no-such-dir', 'id_ed25519');
    const missing = await loadKeyPair(path, container).catch((error: { action: string }) => error.action);
    expect(missing).toMatch(/^Create one for the bot: ssh-keygen/);
    const mounted = await loadKeyPair('/data/ssh/id_ed25519', container).catch((error: { action: string }) => error.action);
    expect(mounted).toBe(
      'Create one for the bot: on the Docker host, in the folder with compose.yaml (it mounts ./data/ssh at /data/ssh): mkdir -p data/ssh && ssh-keygen -t ed25519 -N "" -C monai-pod-bot -f data/ssh/id_ed25519 && sudo chown 1000:1000 data/ssh/id_ed25519, then docker compose up -d',
    );
  });

  it('put LOG_FILE and DATABASE_PATH on the /data volume', async () => {
    // A file where a folder should be stops root too, so this holds whoever runs the tests.
    const log = await whyNotWritable({ variable: 'LOG_FILE', path: join(dir, 'bot_key', 'logs', 'bot.log') }, container);
    const database = await whyNotWritable({ variable: 'DATABASE_PATH', path: join(dir, 'root_key', 'x.sqlite') }, container);
    expect(log?.fix).toBe('point LOG_FILE into a folder: LOG_FILE=/data/logs/monai-pod-bot.log (inside the container only the /data volume is writable).');
    expect(database?.fix).toBe('point DATABASE_PATH into a folder: DATABASE_PATH=/data/monai-pod-bot.sqlite (the /data volume).');
  });
});
