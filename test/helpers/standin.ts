import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { installFakePython, writeNodeStandinWheel } from '../../src/sim/nopython/launcher.js';
import { findPython } from '../../src/sim/python.js';
import { buildStandinWheel } from '../../src/sim/wheel.js';
import { COMPILED_NOPYTHON, MONAI_VERSION, pipEnv, podTools, type PodTools } from './pod-tools.js';
import { freePort } from './sshd.js';

const run = promisify(execFile);

export type StandinKind = 'python' | 'node';

/** The MONAI Label stand-ins this run can exercise: the Node one always, the Python one where Python is. */
export function standinKinds(): StandinKind[] {
  return runTools()?.choice.python.kind === 'node' ? ['node'] : ['python', 'node'];
}

/**
 * A `monailabel` console script installed the way a pod installs it (venv + pip from the local
 * wheel): the run's shared venv when it is of that kind, else a Node-stand-in venv made under `scratch`.
 */
export async function monailabelCommand(kind: StandinKind, scratch: string): Promise<string> {
  const tools = runTools();
  if (tools && kind === tools.choice.python.kind) return join(tools.templateVenv, 'bin', 'monailabel');
  const dir = join(scratch, `${kind}-standin`);
  const wheels = join(dir, 'wheels');
  let python: string;
  if (kind === 'python') {
    // Outside a test run (the bench): this machine's Python, as the tests' global setup finds it.
    const found = tools ? null : await findPython();
    if (!found) throw new Error('The Python stand-in needs Python 3.9–3.12 with venv on this machine.');
    python = found.executable;
    await buildStandinWheel({ outDir: wheels, python, version: MONAI_VERSION });
  } else {
    python = await installFakePython(join(dir, 'bin'), COMPILED_NOPYTHON);
    await writeNodeStandinWheel(wheels, MONAI_VERSION);
  }
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, ...pipEnv(wheels) };
  await run(python, ['-m', 'venv', join(dir, 'venv')], { env });
  await run(join(dir, 'venv', 'bin', 'pip'), ['install', '--no-deps', `monailabel==${MONAI_VERSION}`], { env });
  return join(dir, 'venv', 'bin', 'monailabel');
}

/** The run's pod tools inside vitest; null outside it (the bench), where a stand-in is built on demand. */
function runTools(): PodTools | null {
  try {
    return podTools();
  } catch {
    return null;
  }
}

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

/** The run's MONAI Label stand-in serving a local studies folder: for tests about its HTTP API. */
export async function startStandin(dir: string, options: { kind?: StandinKind; faults?: Record<string, unknown> } = {}): Promise<Standin> {
  const monailabel = await monailabelCommand(options.kind ?? standinKinds()[0]!, dir);
  const faultsFile = join(dir, 'faults.json');
  const events = join(dir, 'events.jsonl');
  await writeFile(faultsFile, JSON.stringify(options.faults ?? {}));
  const env = { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1', MONAILABEL_STANDIN_FAULTS: faultsFile, MONAILABEL_STANDIN_EVENTS: events };
  await mkdir(join(dir, 'studies'), { recursive: true });
  await run(monailabel, ['apps', '--name', 'radiology', '--download', '--output', dir], { env });
  const port = await freePort();
  const server = spawn(
    monailabel,
    ['start_server', '--app', join(dir, 'radiology'), '--studies', join(dir, 'studies'), '--conf', 'models', 'deepgrow_2d,deepgrow_3d', '--conf', 'sam2', 'false'],
    { cwd: dir, env: { ...env, SIMPOD_PORT_8000: String(port) }, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
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
