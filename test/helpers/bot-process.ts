import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code and how long the exit took after `kill()`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until the output contains `text` (or the process exits, which fails). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

export interface BotProcessOptions {
  args?: string[];
  /** Run as another user (tests running as root use it to meet a real EACCES). */
  uid?: number;
  gid?: number;
}

/** The bot as a real process, as `npm start` runs it, with its JSON log collected; not yet waited for. */
export function spawnBotProcess(env: Record<string, string>, cwd: string, options: BotProcessOptions = {}): BotProcess {
  const child = spawn(process.execPath, [MAIN, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = async (text: string | RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
    while (!found()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${String(text)} from the bot:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, output: () => output, exited, waitFor };
}

/** The bot as a real process, once it says it is running. */
export async function startBotProcess(env: Record<string, string>, cwd: string, options: BotProcessOptions = {}): Promise<BotProcess> {
  const bot = spawnBotProcess(env, cwd, options);
  try {
    await bot.waitFor('monai-pod-bot is running');
  } catch {
    throw new Error(`the bot did not start:\n${bot.output()}`);
  }
  return bot;
}
