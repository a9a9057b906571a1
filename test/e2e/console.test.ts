/**
 * `npm start`'s console against its simulated pod, end to end: with this machine's Python (a venv
 * and pip install per run), and on a machine without Python (and without OpenSSH), where it says so
 * in one line and the pod runs the Node stand-ins through the bot's same scripts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { pathWithout, PYTHON_PROGRAMS } from '../helpers/path-without.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'monai-console-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runConsole(path: string, input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd: dir, env: { PATH: path, HOME: dir, LANG: 'C.UTF-8' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(input);
  });
}

async function runMain(lines: string[]) {
  let out = '';
  const stdout = new PassThrough().on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await main([], {}, { stdin: Readable.from(lines.map((line) => `${line}\n`)), stdout, stderr: stdout, cwd: dir, interactive: false, stopSignal: new Promise(() => {}) });
  return { code, out };
}

describe('the local console', () => {
  it('runs piped commands against the simulator in order and exits at the end of input', async () => {
    const { code, out } = await runMain(['/monai start', '/monai status', '/monai stop']);

    expect(code).toBe(0);
    expect(out).toContain('No Slack credentials (SLACK_BOT_TOKEN): starting the local console.');
    expect(out).toContain('No RUNPOD_API_KEY: using the built-in RunPod simulator');
    const [start, status, stop] = out.split(/^> /m).slice(1);
    expect(start).toMatch(/monai-label is ready[\s\S]*Paste into 3D Slicer: `http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/`/);
    expect(start).toContain('Models: deepgrow_2d, deepgrow_3d, deepgrow_pipeline');
    expect(start).toContain('12 CT series in the datastore');
    expect(start).toContain('Extensions Manager');
    expect(status).toContain('monai-label is running');
    expect(stop).toContain('monai-label stopped');
    expect(stop).toContain('volume is kept and still bills about $6.00/month');
  }, 180_000);
});

describe('the console on a machine without Python or sshd', () => {
  it('says so once, then starts, reports and stops the simulated pod with the Node stand-ins', async () => {
    const path = await pathWithout(new RegExp(`${PYTHON_PROGRAMS.source}|^sshd$`), join(dir, 'bin'));

    const { code, out } = await runConsole(path, '/monai start\n/monai status\n/monai doctor\n/monai logs 3\n/monai stop\n');

    expect(code, out).toBe(0);
    const notes = out.split('\n').filter((line) => line.includes('No Python 3.9–3.12 with venv'));
    expect(notes).toEqual([
      'No Python 3.9–3.12 with venv here: the simulated pod runs Node stand-ins for python, pip and MONAI Label (the Python one needs python3-venv).',
    ]);
    const [start, status, doctor, logs, stop] = out.split(/^> /m).slice(1);
    expect(start).toContain('MONAI Label 0.8.5 is installed on the volume');
    expect(start).toMatch(/monai-label is ready[\s\S]*Paste into 3D Slicer: `http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/`/);
    expect(start).toContain('Models: deepgrow_2d, deepgrow_3d, deepgrow_pipeline');
    expect(start).toContain('12 CT series in the datastore');
    expect(status).toContain('monai-label is running');
    expect(doctor).toContain('Every link works');
    expect(logs).toContain('Uvicorn running on');
    expect(stop).toContain('monai-label stopped');
  }, 180_000);
});
