import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { access, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStandinWheel } from '../../src/sim/wheel.js';
import { podTools } from '../helpers/pod-tools.js';
import { monailabelCommand, standinKinds } from '../helpers/standin.js';

const USER = 'pacs-reader';
const PASSWORD = 'Pacs-Secret-7f3k9q';
const SERIES = ['1.2.826.0.1.3680043.8.1', '1.2.826.0.1.3680043.8.2', '1.2.826.0.1.3680043.8.3'];
const LOG_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \[\d+\] \[MainThread\] \[(INFO|WARNING|ERROR)\] \([\w.]+:\d+\) - /;

let dir = '';
let venv = '';
let monailabel = '';
/** The folder of the stand-in under test. */
let work = '';
let dicom: Server;
let dicomUrl = '';
const dicomRequests: { url: string; headers: IncomingHttpHeaders }[] = [];
const children = new Set<ChildProcess>();

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The test runner's environment without anything the stand-in reads. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(MONAI_LABEL_|MONAILABEL_STANDIN_|SIMPOD_|PIP_)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

interface Running {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(text: string, ms?: number): Promise<void>;
}

function launch(args: string[], env: Record<string, string>): Running {
  const child = spawn(monailabel, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(text, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!output.includes(text)) {
        if (done || Date.now() > deadline) throw new Error(`"${text}" never appeared; output:\n${output}`);
        await sleep(50);
      }
    },
  };
}

/** The exit status, or a failure showing the output if the process is still running after `ms`. */
async function exitOf(server: Running, ms = 60_000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms; output:\n${server.output()}`)), ms);
  });
  try {
    return await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function api(port: number, path: string, init?: RequestInit) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get('content-type') ?? '', json: () => JSON.parse(text) as Record<string, unknown> };
}

/** Polls `/` the way the bot does: the port stays closed until the app has initialised. */
async function waitReady(server: Running, port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void server.exited.then(() => (exited = true));
  for (;;) {
    try {
      if ((await api(port, '/')).status === 200) return;
    } catch {
      // not listening yet
    }
    if (exited || Date.now() > deadline) throw new Error(`server never answered on ${port}; output:\n${server.output()}`);
    await sleep(100);
  }
}

async function downloadApp(name: string): Promise<string> {
  const output = await mkdtemp(join(dir, 'apps-'));
  const result = await run(monailabel, ['apps', '--download', '--name', name, '--output', output]);
  expect(result.code).toBe(0);
  return join(output, name);
}

function serverArgs(app: string, studies: string, ...conf: string[][]) {
  return ['start_server', '--app', app, '--studies', studies, ...conf.flatMap((pair) => ['--conf', ...pair]), '--host', '0.0.0.0', '--port', '8000'];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'monailabel-standin-'));
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  dicom = createServer((req, res) => {
    dicomRequests.push({ url: req.url ?? '', headers: req.headers });
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="dicomweb"' }).end();
    } else if (req.url !== '/dicom-web/series?Modality=CT') {
      res.writeHead(404).end();
    } else {
      const body = SERIES.map((uid) => ({ '0020000E': { vr: 'UI', Value: [uid] }, '00080060': { vr: 'CS', Value: ['CT'] } }));
      res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(body));
    }
  });
  await new Promise<void>((resolve) => dicom.listen(0, '127.0.0.1', resolve));
  dicomUrl = `http://127.0.0.1:${(dicom.address() as AddressInfo).port}/dicom-web`;
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await new Promise((resolve) => (dicom ? dicom.close(resolve) : resolve(undefined)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

// The Python stand-in where this machine has Python 3.9–3.12 with venv, and always the Node one
// (src/sim/nopython): the same HTTP surface and output, held to the same tests.
describe.each(standinKinds())('the %s MONAI Label stand-in', (kind) => {
  beforeAll(async () => {
    monailabel = await monailabelCommand(kind, dir);
    venv = dirname(dirname(monailabel));
    work = join(dir, kind);
    await mkdir(work);
  });

  it('installs with pip from a local folder and reports 0.8.5', async () => {
    const version = await run(join(venv, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("monailabel"))']);
    expect(version.stdout.trim()).toBe('0.8.5');
    expect((await run(monailabel, ['-v'])).stdout.trim()).toBe('MONAILabel version: 0.8.5');
    expect((await run(monailabel, ['--version'])).code).toBe(0);
  });

  describe('monailabel apps', () => {
    it('lists the sample apps', async () => {
      const result = await run(monailabel, ['apps']);
      expect(result.code).toBe(0);
      for (const name of ['endoscopy', 'monaibundle', 'pathology', 'radiology', 'vista2d']) expect(result.stdout).toContain(name);
    });

    it('downloads an app once; the second time exits 255 with "Directory already exists"', async () => {
      const events = join(work, 'apps-events.jsonl');
      const output = join(work, 'download');
      const env = cleanEnv({ MONAILABEL_STANDIN_EVENTS: events });
      const first = await run(monailabel, ['apps', '--output', output, '--name', 'radiology', '--download'], env);
      expect(first.code).toBe(0);
      await access(join(output, 'radiology', 'main.py'));
      await access(join(output, 'radiology', 'lib', 'configs', 'deepgrow_3d.py'));
      const second = await run(monailabel, ['apps', '--download', '--name', 'radiology', '--output', output], env);
      expect(second.code).toBe(255);
      expect(second.stdout).toContain(`Directory already exists: ${join(output, 'radiology')}`);
      const lines = (await readFile(events, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ event: 'download', app: 'radiology' });

      expect((await run(monailabel, ['apps', '--download', '--name', 'nope', '--output', output])).code).toBe(255);
      const usage = await run(monailabel, ['frobnicate']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('usage: monailabel');
    });
  });

  describe('monailabel start_server', () => {
    let app = '';
    beforeAll(async () => {
      app = await downloadApp('radiology');
    });

    it('serves a DICOMweb datastore, downloads weights once, answers the API and stops on SIGTERM', async () => {
      const port = await freePort();
      const events = join(work, 'server-events.jsonl');
      const server = launch(serverArgs(app, dicomUrl, ['models', 'deepgrow_2d, deepgrow_3d'], ['sam2', 'false']), {
        SIMPOD_PORT_8000: String(port),
        MONAI_LABEL_DICOMWEB_USERNAME: USER,
        MONAI_LABEL_DICOMWEB_PASSWORD: PASSWORD,
        MONAILABEL_STANDIN_EVENTS: events,
      });
      await waitReady(server, port);
      const out = server.output();
      const order = ['Using PYTHONPATH=', 'USING:: app = ', "Allow Origins: ['*']", 'Started server process', 'Waiting for application startup.', 'App Init...',
        'Initializing App from: ', '+++ Adding Model: deepgrow_2d => lib.configs.deepgrow_2d.', 'Downloading resource: ', '+++ Using Models: ',
        'Init Datastore for: ', 'App Init - completed', 'Application startup complete.', 'Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)'];
      const positions = order.map((text) => out.indexOf(text));
      expect(positions.every((position) => position >= 0), out).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(out).toContain(`Downloading resource: ${join(app, 'model', 'pretrained_deepgrow_3d.pt')} from https://github.com/Project-MONAI/MONAILabel/releases/download/pretrained/radiology_deepgrow_3d_bunet.pt`);
      const startup = out.split('\n').find((line) => line.includes('Application startup complete.')) ?? '';
      expect(startup).toMatch(LOG_LINE);
      await access(join(app, 'model', 'pretrained_deepgrow_2d.pt'));

      const info = await api(port, '/info/');
      expect(info.status).toBe(200);
      const body = info.json() as { name: string; version: string; models: Record<string, { type: string; dimension: number; config: { device: string[] } }>; datastore: { total: number } };
      expect(body.name).toBe('MONAILabel - Radiology (0.8.5)');
      expect(body.version).toBe('0.8.5');
      expect(Object.keys(body.models).sort()).toEqual(['GMM+GraphCut', 'Histogram+GraphCut', 'deepgrow_2d', 'deepgrow_3d', 'deepgrow_pipeline']);
      expect(body.models['deepgrow_2d']).toMatchObject({ type: 'deepgrow', dimension: 2, config: { device: ['NVIDIA GeForce RTX 4090'] } });
      expect(body.models['GMM+GraphCut']?.type).toBe('scribbles');
      expect(body.datastore).toEqual({ total: SERIES.length, completed: 0, label_tags: { final: 0 } });
      const asked = dicomRequests.at(-1);
      expect(asked?.url).toBe('/dicom-web/series?Modality=CT');
      expect(asked?.headers.accept).toBe('application/dicom+json');
      expect((await api(port, '/info')).status).toBe(200);
      expect((await api(port, '/openapi.json')).json()).toMatchObject({ openapi: '3.0.2' });
      expect(await api(port, '/nope')).toMatchObject({ status: 404, text: '{"detail": "Not Found"}' });

      const next = await api(port, '/activelearning/first', { method: 'POST' });
      expect(next.json()).toMatchObject({ id: SERIES[0] });
      const infer = await api(port, `/infer/deepgrow_2d?image=${SERIES[0]}`, { method: 'POST', body: '{}' });
      expect(infer.status).toBe(200);
      expect(infer.json()).toHaveProperty('label');
      expect((await api(port, '/infer/segmentation?image=x', { method: 'POST' })).status).toBe(404);
      const saved = await api(port, `/datastore/label?image=${SERIES[0]}&tag=final`, { method: 'PUT', body: 'label bytes' });
      expect(saved.json()).toEqual({ image: SERIES[0], label: SERIES[0] });
      expect((await api(port, '/datastore/?output=stats')).json()).toEqual({ total: 3, completed: 1, label_tags: { final: 1 } });
      const all = (await api(port, '/datastore/?output=all')).json() as { objects: Record<string, { labels: Record<string, unknown> }> };
      expect(Object.keys(all.objects[SERIES[0] as string]?.labels ?? {})).toEqual(['final']);

      expect(await api(port, '/train/?check_if_running=true')).toMatchObject({ status: 404, text: '{"detail": "No Train Tasks are currently Running"}' });
      const train = await api(port, '/train/deepgrow_2d', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ max_epochs: 30 }) });
      expect(train.json()).toMatchObject({ status: 'RUNNING', end_ts: null });
      const running = await api(port, '/train/?check_if_running=true');
      expect(running.status).toBe(200);
      expect(running.json()['start_ts']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

      const logs = await api(port, '/logs/?lines=5&text=true');
      expect(logs.type).toContain('text/plain');
      const tail = logs.text.trim().split('\n');
      expect(tail).toHaveLength(5);
      expect(logs.text).toContain(`Infer Request: {'model': 'deepgrow_2d', 'image': '${SERIES[0]}'`);
      expect(logs.text).toContain('Latencies: ');
      expect(logs.text).toContain(`Saving Label for ${SERIES[0]} for tag: final by admin`);
      expect(logs.text).toContain('Train request: ');
      expect(server.output()).toContain('(monailabel.endpoints.activelearning:');
      expect(server.output()).toContain(`Next sample: {'id': '${SERIES[0]}'`);
      expect((await api(port, '/train/', { method: 'DELETE' })).json()).toMatchObject({ status: 'STOPPED' });
      expect((await api(port, '/train/')).json()).toMatchObject({ status: 'STOPPED' });
      expect((await api(port, '/logs/gpu')).text).toContain('NVIDIA GeForce RTX 4090');

      const started = (await readFile(events, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((event) => event['event'] === 'start_server');
      expect(started).toEqual([expect.objectContaining({ event: 'start_server', pid: server.child.pid, port })]);
      expect(server.output()).not.toContain(PASSWORD);

      server.child.kill('SIGTERM');
      expect((await exitOf(server)).code).toBe(0);
      expect(server.output()).toContain('(uvicorn.error:75) - Shutting down');
      const appLog = await readFile(join(app, 'logs', 'app.log'), 'utf8');
      expect(appLog).toContain('Application startup complete.');
      expect(appLog).not.toContain(PASSWORD);
    });

    it('streams Next Sample’s image, serves and replaces weights, and proxies DICOMweb with the lab’s credentials, as 0.8.5 does', async () => {
      const port = await freePort();
      const events = join(work, 'files-events.jsonl');
      const faults = join(work, 'faults-image.json');
      const size = 3 * 1024 * 1024 + 5;
      await writeFile(faults, JSON.stringify({ imageBytes: size }));
      // An app of its own: its weights get replaced and deleted.
      const own = await downloadApp('radiology');
      const server = launch(serverArgs(own, dicomUrl, ['models', 'deepgrow_2d']), {
        SIMPOD_PORT_8000: String(port),
        MONAI_LABEL_DICOMWEB_USERNAME: USER,
        MONAI_LABEL_DICOMWEB_PASSWORD: PASSWORD,
        MONAILABEL_STANDIN_EVENTS: events,
        MONAILABEL_STANDIN_FAULTS: faults,
      });
      await waitReady(server, port);
      const eventsOf = async (kind: string) =>
        (await readFile(events, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((event) => event['event'] === kind);

      // 64 KiB of sha256(image id), repeated to the size the fault names.
      const image = await fetch(`http://127.0.0.1:${port}/datastore/image?image=${SERIES[1]}`);
      expect(image.headers.get('content-type')).toBe('application/octet-stream');
      expect(image.headers.get('content-length')).toBe(String(size));
      const bytes = Buffer.from(await image.arrayBuffer());
      const digest = createHash('sha256').update(SERIES[1]!).digest();
      expect(bytes.length).toBe(size);
      expect(bytes.subarray(0, 32)).toEqual(digest);
      expect(bytes.subarray(size - 5)).toEqual(digest.subarray(0, 5));
      const head = await fetch(`http://127.0.0.1:${port}/datastore/image?image=${SERIES[1]}`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength]).toEqual([200, String(size), 0]);
      expect((await api(port, '/datastore/image')).status).toBe(404);
      await server.waitFor(`Image download: ${SERIES[1]}`);

      // GET, PUT and DELETE /model/{name}: what the gate keeps from the internet.
      const weights = join(own, 'model', 'pretrained_deepgrow_2d.pt');
      expect(await api(port, '/model/deepgrow_2d')).toMatchObject({ status: 200, text: 'stand-in weights\n', type: 'application/octet-stream' });
      expect((await api(port, '/model/deepgrow_2d', { method: 'PUT', body: 'pickled payload' })).json()).toEqual({ model: 'deepgrow_2d' });
      expect(await readFile(weights, 'utf8')).toBe('pickled payload');
      expect(await eventsOf('model_put')).toEqual([expect.objectContaining({ model: 'deepgrow_2d', bytes: 15 })]);
      expect(await api(port, '/model/deepgrow_2d', { method: 'DELETE' })).toMatchObject({ status: 200, text: '{}' });
      await expect(access(weights)).rejects.toThrow();
      expect(await eventsOf('model_delete')).toEqual([expect.objectContaining({ model: 'deepgrow_2d' })]);
      expect((await api(port, '/model/deepgrow_2d')).status).toBe(404);

      // A label's size is what arrived.
      await api(port, `/datastore/label?image=${SERIES[2]}&tag=final`, { method: 'PUT', body: Buffer.alloc(1000, 1) });
      expect(await eventsOf('label')).toEqual([expect.objectContaining({ image: SERIES[2], bytes: 1000 })]);

      // /proxy/dicom/…: on to the DICOMweb server, credentials attached, its answer (an error too) passed back as bytes.
      const proxied = await api(port, '/proxy/dicom/qido/series?Modality=CT');
      expect(proxied.status).toBe(200);
      expect(proxied.type).toBe('application/octet-stream');
      expect((JSON.parse(proxied.text) as unknown[]).length).toBe(SERIES.length);
      expect(dicomRequests.at(-1)?.url).toBe('/dicom-web/series?Modality=CT');
      expect(dicomRequests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
      expect((await api(port, '/proxy/dicom/wado/studies/1.2.3')).status).toBe(404);
      expect(dicomRequests.at(-1)?.url).toBe('/dicom-web/studies/1.2.3');
      expect(await eventsOf('proxy')).toEqual([expect.objectContaining({ method: 'GET', path: 'series' }), expect.objectContaining({ method: 'GET', path: 'studies/1.2.3' })]);
      expect(server.output()).not.toContain(PASSWORD);
      server.child.kill('SIGTERM');
      await exitOf(server);
    });

    it('skips cached weights on the next start and exits when the alive file goes away', async () => {
      const port = await freePort();
      const alive = join(work, 'alive');
      await writeFile(alive, '');
      const server = launch(serverArgs(app, dicomUrl, ['models', 'deepgrow_2d,deepgrow_3d']), {
        SIMPOD_PORT_8000: String(port),
        SIMPOD_ALIVE_FILE: alive,
        MONAI_LABEL_DICOMWEB_USERNAME: USER,
        MONAI_LABEL_DICOMWEB_PASSWORD: PASSWORD,
      });
      await waitReady(server, port);
      expect(server.output()).not.toContain('Downloading resource');
      const models = Object.keys((await api(port, '/info/')).json()['models'] as object);
      expect(models).toContain('sam_2d');
      expect(models).toContain('sam_3d');
      await unlink(alive);
      expect((await exitOf(server)).code).toBe(0);
      expect(server.output()).toContain('Shutting down');
    });

    it('answers /info/ with 500 and no password when DICOMweb rejects the credentials', async () => {
      const port = await freePort();
      const wrong = 'Wrong-Secret-x8y2z7';
      const server = launch(serverArgs(app, dicomUrl, ['models', 'deepgrow_2d']), {
        SIMPOD_PORT_8000: String(port),
        MONAI_LABEL_DICOMWEB_USERNAME: USER,
        MONAI_LABEL_DICOMWEB_PASSWORD: wrong,
      });
      await waitReady(server, port);
      const info = await api(port, '/info/');
      expect(info.status).toBe(500);
      expect(info.json()).toEqual({ detail: 'Failed to fetch series from DICOMweb: HTTP Error 401: Unauthorized' });
      expect(dicomRequests.at(-1)?.headers.authorization).toMatch(/^Basic /);
      await server.waitFor('[ERROR] (monailabel.datastore.dicom');
      server.child.kill('SIGTERM');
      await exitOf(server);
      const appLog = await readFile(join(app, 'logs', 'app.log'), 'utf8');
      for (const text of [info.text, server.output(), appLog]) expect(text).not.toContain(wrong);
    });

    it('fails startup for a missing or invalid model, and for a missing app', async () => {
      const invalid = launch(serverArgs(app, join(work, 'studies'), ['models', 'deepgrow_2d,nope']), { SIMPOD_PORT_8000: String(await freePort()) });
      const missing = launch(serverArgs(app, join(work, 'studies')), { SIMPOD_PORT_8000: String(await freePort()) });
      const noApp = await run(monailabel, serverArgs(join(work, 'absent'), join(work, 'studies'), ['models', 'all']));
      expect((await exitOf(invalid)).code).toBe(1);
      expect(invalid.output()).toContain("Invalid Model(s) are provided: ['nope'], either set 'all' or valid models: ['deepedit', 'deepgrow_2d', ");
      expect(invalid.output()).toMatch(/\(uvicorn\.error:\d+\) - Application startup failed\. Exiting\.\n$/);
      expect((await exitOf(missing)).code).toBe(1);
      const out = missing.output();
      expect(out.indexOf('Provide --conf models <name>')).toBeGreaterThan(out.indexOf('Waiting for application startup.'));
      expect(out).toContain('Application startup failed. Exiting.');
      expect(noApp).toMatchObject({ code: 1, stdout: `APP Directory ${join(work, 'absent')} NOT Found\n` });
    });

    it('fails startup with a traceback on the failStartup fault', async () => {
      const faults = join(work, 'faults-fail.json');
      await writeFile(faults, JSON.stringify({ failStartup: 'CUDA error: out of memory' }));
      const server = launch(serverArgs(app, join(work, 'studies'), ['models', 'segmentation']), { MONAILABEL_STANDIN_FAULTS: faults });
      expect((await exitOf(server)).code).toBe(1);
      expect(server.output()).toMatch(/Traceback \(most recent call last\):\n {2}File .*\n[\s\S]*RuntimeError: CUDA error: out of memory\n.*Application startup failed\. Exiting\.\n$/);
    });

    it('applies the hang, CPU, missing-weights, training and die-after-serving faults on a local datastore', async () => {
      const port = await freePort();
      const studies = join(work, 'local-studies');
      await mkdir(studies);
      await writeFile(join(studies, 'spleen_1.nii.gz'), 'x');
      await writeFile(join(studies, 'spleen_2.nii.gz'), 'x');
      const faults = join(work, 'faults.json');
      const release = join(work, 'release-startup');
      await writeFile(faults, JSON.stringify({ startupWaitsFor: release, cpuOnly: true, missingModels: ['deepgrow_3d'], trainingRunning: true, dieAfterServingInfo: true }));
      const local = await downloadApp('radiology');
      const server = launch(serverArgs(local, studies, ['models', 'deepgrow_2d,deepgrow_3d'], ['scribbles', 'false']), {
        SIMPOD_PORT_8000: String(port),
        MONAILABEL_STANDIN_FAULTS: faults,
      });
      await server.waitFor('Initializing App from');
      // Held in its start-up: the port stays closed until the test lets it go on.
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
      await writeFile(release, '');
      await waitReady(server, port);
      expect((await api(port, '/train/?check_if_running=true')).json()).toMatchObject({ status: 'RUNNING' });
      expect((await api(port, '/logs/gpu')).text).toContain('NVIDIA-SMI has failed');
      const info = (await api(port, '/info/')).json() as { models: Record<string, { config: { device: string[] } }>; datastore: { total: number } };
      expect(Object.keys(info.models).sort()).toEqual(['deepgrow_2d', 'sam_2d', 'sam_3d']);
      expect(info.models['deepgrow_2d']?.config.device).toEqual(['cpu']);
      expect(info.datastore.total).toBe(2);
      // Having answered /info/, it dies as an out-of-memory kill ends it.
      const exit = await exitOf(server);
      expect(exit.code).toBe(137);
      expect(server.output()).toMatch(/\nKilled\n$/);
    });
  });
});

// Only where Python is: without it, the first line of the run says the Python stand-in is not tested.
if (podTools().choice.python.kind === 'python') describe('the Python stand-in’s wheel', () => {
  it('is a valid, deterministic wheel', async () => {
    const wheel = await buildStandinWheel({ outDir: join(dir, 'wheels'), python: podTools().interpreter });
    expect(basename(wheel)).toBe('monailabel-0.8.5-py3-none-any.whl');
    const again = await buildStandinWheel({ outDir: join(dir, 'wheels-again'), python: podTools().interpreter });
    expect(Buffer.compare(await readFile(wheel), await readFile(again))).toBe(0);
    // Check every RECORD line against the archive's bytes.
    const check = `
import base64, hashlib, sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); names = z.namelist()
record = z.read("monailabel-0.8.5.dist-info/RECORD").decode().splitlines()
assert sorted(l.split(",")[0] for l in record) == sorted(names), names
for line in record:
    name, digest, size = line.split(",")
    if not digest: continue
    data = z.read(name)
    assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), name
    assert int(size) == len(data), name
print(z.read("monailabel-0.8.5.dist-info/entry_points.txt").decode())
print(z.read("monailabel-0.8.5.dist-info/WHEEL").decode())`;
    const result = await run(podTools().interpreter, ['-c', check, wheel]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('[console_scripts]\nmonailabel = monailabel.main:main');
    expect(result.stdout).toContain('Tag: py3-none-any');
  });

  it('reports the builder’s stderr when the build fails', async () => {
    await expect(buildStandinWheel({ outDir: join(dir, 'bad'), python: podTools().interpreter, version: 'not-a-version' })).rejects.toThrow(/not a release version/);
  });
});
