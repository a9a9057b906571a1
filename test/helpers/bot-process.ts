import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code and how long the exit took after `kill()`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The bot as a real process, as `npm start` runs it, with its JSON log collected. */
export async function startBotProcess(env: Record<string, string>, cwd: string): Promise<BotProcess> {
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env['PATH'] ?? '', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 20_000;
  while (!output.includes('monai-pod-bot is running')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the bot did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output, exited };
}
