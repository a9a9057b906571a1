import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(lines: string[], env: Record<string, string> = {}, argv: string[] = []) {
  dir = mkdtempSync(join(tmpdir(), 'monai-console-'));
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString()));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(argv, env, {
    stdin: Readable.from(lines.map((line) => `${line}\n`)),
    stdout,
    stderr,
    cwd: dir,
    interactive: false,
    stopSignal: new Promise(() => {}),
  });
  return { code, out, err };
}

// The full transcript against the simulated pod (a venv and an install) is in test/e2e/console.test.ts.
describe('the local console', () => {
  it('answers anything it does not understand with the closest command, and /monai help with the list', async () => {
    const { code, out } = await run(['hello there', '/monai help']);
    expect(code).toBe(0);
    const [unknown, help] = out.split(/^> /m).slice(1);
    expect(unknown).toBe('hello there\n“hello” is not a /monai command. Did you mean `/monai help`?\n`/monai help` lists every command.\n');
    expect(help).toContain('`/monai start [deepgrow | deepedit | segmentation | model,model…] [new-pod]` — Start the GPU pod');
  });

  it('stops with one line per bad variable, each with its own fix, and the configuration exit code', async () => {
    const { code, err, out } = await run([], { VOLUME_GB: 'lots', CLOUD_TYPE: 'x' });
    expect(code).toBe(78);
    expect(err).toBe(
      'Configuration error: CLOUD_TYPE: expected COMMUNITY, SECURE or ALL (got "x")\n' +
        '  Fix: set CLOUD_TYPE to COMMUNITY, SECURE or ALL, or remove the line for the default (COMMUNITY).\n' +
        'Configuration error: VOLUME_GB: expected a whole number from 10 to 2000 (got "lots")\n' +
        '  Fix: set VOLUME_GB to a whole number from 10 to 2000, or remove the line for the default (30).\n',
    );
    expect(out).toBe('');
  });

  it('reads .env from the working directory, with the real environment taking precedence', async () => {
    dir = mkdtempSync(join(tmpdir(), 'monai-console-'));
    writeFileSync(join(dir, '.env'), 'VOLUME_GB=nope\nCLOUD_TYPE=SECURE\n');
    let err = '';
    const code = await main([], { VOLUME_GB: '40' }, {
      stdin: Readable.from([]),
      stdout: new PassThrough(),
      stderr: new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString())),
      cwd: dir,
      interactive: false,
      stopSignal: new Promise(() => {}),
    });
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('prints its version', async () => {
    const { code, out } = await run([], {}, ['--version']);
    expect(code).toBe(0);
    expect(out).toMatch(/^monai-pod-bot \d+\.\d+\.\d+\n$/);
  });
});
