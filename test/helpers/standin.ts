import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './sshd.js';

const SOURCE = fileURLToPath(new URL('../../src/sim/monailabel', import.meta.url));

export interface Standin {
  port: number;
  url: string;
  /** The radiology app's folder (its weights are under model/). */
  app: string;
  /** JSON lines the stand-in writes for starts, label saves, model uploads. */
  events: string;
  infer(): Promise<void>;
  saveLabel(image: string): Promise<void>;
  train(seconds: number): Promise<void>;
  kill(): void;
}

async function python(args: string[], cwd: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  return spawn('python3', ['-m', 'monailabel.main', ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', PYTHONPATH: SOURCE, PYTHONDONTWRITEBYTECODE: '1', ...env },
    stdio: 'ignore',
  });
}

/** The MONAI Label stand-in, run straight from its source (no venv): for tests about its HTTP API. */
export async function startStandin(dir: string, faults: Record<string, unknown> = {}): Promise<Standin> {
  await mkdir(join(dir, 'studies'), { recursive: true });
  const faultsFile = join(dir, 'faults.json');
  const events = join(dir, 'events.jsonl');
  await writeFile(faultsFile, JSON.stringify(faults));
  const download = await python(['apps', '--name', 'radiology', '--download', '--output', dir], dir);
  await new Promise((resolve) => download.once('exit', resolve));
  const port = await freePort();
  const server = await python(
    ['start_server', '--app', join(dir, 'radiology'), '--studies', join(dir, 'studies'), '--conf', 'models', 'deepgrow_2d,deepgrow_3d', '--conf', 'sam2', 'false'],
    dir,
    { SIMPOD_PORT_8000: String(port), MONAILABEL_STANDIN_FAULTS: faultsFile, MONAILABEL_STANDIN_EVENTS: events },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('the MONAI Label stand-in did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${url}${path}`, { method, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  };
  return {
    port,
    url,
    app: join(dir, 'radiology'),
    events,
    infer: () => call('POST', '/infer/deepgrow_2d?image=series-1'),
    saveLabel: (image) => call('PUT', `/datastore/label?image=${image}&tag=final`, '{}'),
    train: (seconds) => call('POST', `/train/deepgrow_2d?seconds=${seconds}`),
    kill: () => server.kill('SIGKILL'),
  };
}
