import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/ssh/keys.js';
import { SIGNING_SECRET } from '../test/helpers/fake-slack.js';
import { freePort } from '../test/helpers/sshd.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIM_KEY = 'bench0simulator0key0123';

export interface Fakes {
  /** A fresh response_url on the fake Slack. */
  responseUrl(): string;
  env(port: number): Record<string, string>;
  close(): Promise<void>;
}

/** Slack and RunPod on loopback, in their own process (bench/fakes.ts); the servers under test run as theirs. */
export async function startFakes(): Promise<Fakes> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/fakes.ts')], {
    cwd: ROOT,
    env: { ...process.env, SIM_KEY },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [first] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const urls = JSON.parse(first) as { slackApiUrl: string; runpodUrl: string; responseBase: string };
  const dir = mkdtempSync(join(tmpdir(), 'monai-bench-'));
  const key = join(dir, 'id_ed25519');
  writeFileSync(key, generateKeyPair().privateKey, { mode: 0o600 });
  return {
    responseUrl: () => `${urls.responseBase}${randomUUID()}`,
    env: (port) => ({
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: urls.slackApiUrl,
      PORT: String(port),
      RUNPOD_API_KEY: SIM_KEY,
      RUNPOD_API_URL: urls.runpodUrl,
      DICOMWEB_URL: 'http://127.0.0.1:9/dicom-web',
      SSH_PRIVATE_KEY_PATH: key,
      DATABASE_PATH: join(dir, `bot-${port}.sqlite`),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    }),
    async close() {
      const gone = once(child, 'exit');
      child.stdin!.end();
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Server {
  child: ChildProcess;
  url: string;
  /** ms from spawn to ready. */
  startedInMs: number;
  stop(): Promise<void>;
}

/** Spawns a server and waits for `ready` in its output. */
export async function spawnServer(args: string[], env: Record<string, string>, ready: string): Promise<Server> {
  const began = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    // Only until ready: afterwards the output is drained, not kept.
    if (!output.includes(ready)) output += chunk.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  while (!output.includes(ready)) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
    if (performance.now() - began > 30_000) throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const startedInMs = performance.now() - began;
  return {
    child,
    url: `http://127.0.0.1:${env['PORT']}/slack/events`,
    startedInMs,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

export async function startBot(fakes: Fakes): Promise<Server> {
  return spawnServer([join(ROOT, 'dist/main.js')], fakes.env(await freePort()), 'monai-pod-bot is running');
}

export async function startBareBolt(fakes: Fakes): Promise<Server> {
  return spawnServer([join(ROOT, 'bench/bare-bolt.mjs')], fakes.env(await freePort()), 'listening on');
}

/** Resident memory of a process, from /proc (Linux). */
export function rssMb(pid: number, status: string): number {
  const match = status.match(/^VmRSS:\s+(\d+) kB/m);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}
