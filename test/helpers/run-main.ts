import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/main.js';

export interface MainRun {
  code: number;
  out: string;
  err: string;
}

/** `npm start` / `npm run check` in this process: main with piped input, its output and exit code. */
export async function runMain(argv: readonly string[], env: Record<string, string>, cwd: string, input: readonly string[] = []): Promise<MainRun> {
  let out = '';
  let err = '';
  const code = await main(argv, env, {
    stdin: Readable.from(input.map((line) => `${line}\n`)),
    stdout: new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString())),
    stderr: new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString())),
    cwd,
    interactive: false,
    stopSignal: new Promise(() => undefined),
  });
  return { code, out, err };
}
