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

describe('the local console', () => {
  it('runs piped commands against the simulator in order and exits at the end of input', async () => {
    const { code, out } = await run(['/monai start', '/monai status', '/monai stop']);

    expect(code).toBe(0);
    expect(out).toContain('No Slack credentials (SLACK_BOT_TOKEN): starting the local console.');
    expect(out).toContain('No RUNPOD_API_KEY: using the built-in RunPod simulator');
    const [start, status, stop] = out.split(/^> /m).slice(1);
    expect(start).toMatch(/monai-label is ready[\s\S]*Paste into 3D Slicer: `http:\/\/127\.0\.0\.1:\d+`/);
    expect(start).toContain('Models: deepgrow_2d, deepgrow_3d, deepgrow_pipeline');
    expect(start).toContain('12 CT series in the datastore');
    expect(start).toContain('Extensions Manager');
    expect(status).toContain('monai-label is running');
    expect(stop).toContain('monai-label stopped');
    expect(stop).toContain('volume is kept and still bills about $6.00/month');
  }, 240_000);

  it('shows the help for anything it does not understand', async () => {
    const { code, out } = await run(['hello there', '/monai help']);
    expect(code).toBe(0);
    expect(out).toContain('“hello” is not a /monai command.');
    expect(out).toContain('`/monai start [deepgrow | deepedit | segmentation | model,model…]` — Start the GPU pod');
  });

  it('stops with one line per bad variable', async () => {
    const { code, err, out } = await run([], { VOLUME_GB: 'lots', CLOUD_TYPE: 'x' });
    expect(code).toBe(1);
    expect(err).toBe(
      'Configuration error: CLOUD_TYPE: expected COMMUNITY, SECURE or ALL (got "x")\n' +
        'Configuration error: VOLUME_GB: expected a whole number from 10 to 2000 (got "lots")\n' +
        'See .env.example for every variable and its default.\n',
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
