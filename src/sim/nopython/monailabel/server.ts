import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindFailure, hostAddress } from '../container-net.js';
import { App, type Faults } from './app.js';
import { DicomWebError } from './dicomweb.js';
import { Text, route, type Answer } from './api.js';
import { event, Log } from './log.js';
import { MODELS, WEIGHTS_URL } from './models.js';
import { pyJson, pyRepr } from './pyformat.js';
import { parseTarget } from './request.js';

export interface ServerArgs {
  app: string;
  studies: string;
  conf: [string, string][] | null;
  host: string;
  port: number;
}

const UV = 'uvicorn.error';
const GENERIC = 'monailabel.utils.others.generic';

export function loadFaults(): Faults {
  const path = process.env['MONAILABEL_STANDIN_FAULTS'];
  return path && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Faults) : {};
}

/**
 * `monailabel start_server`: start-up output like the real server, then the HTTP API on 127.0.0.1
 * (whatever --host says). Resolves with an exit status only when start-up fails; a running server
 * ends the process itself (SIGTERM, the pod's alive file gone, or the dieAfterServingInfo fault).
 */
export async function startServer(args: ServerArgs, version: string, site: string): Promise<number> {
  const log = new Log();
  const shutdown = () => {
    log.info(UV, 'Shutting down');
    log.info(UV, 'Waiting for application shutdown.');
    log.info(UV, 'Application shutdown complete.');
    log.info(UV, `Finished server process [${process.pid}]`);
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  const alive = process.env['SIMPOD_ALIVE_FILE'];
  if (alive) setInterval(() => existsSync(alive) || shutdown(), 500);

  if (!existsSync(args.app) || !statSync(args.app).isDirectory()) {
    log.plain(`APP Directory ${args.app} NOT Found`);
    return 1;
  }
  const faults = loadFaults();
  log.openFile(join(args.app, 'logs', 'app.log'));
  const conf = Object.fromEntries(args.conf ?? []);
  log.plain(`Using PYTHONPATH=${site}:${process.env['PYTHONPATH'] ?? ''}`);
  log.plain('');
  const using: Record<string, string | number | [string, string][] | null> = { app: args.app, studies: args.studies, conf: args.conf, host: args.host, port: args.port };
  for (const [key, value] of Object.entries(using)) log.info('__main__', `USING:: ${key} = ${typeof value === 'string' ? value : pyRepr(value)}`);
  log.plain("Allow Origins: ['*']");
  log.info(UV, `Started server process [${process.pid}]`);
  log.info(UV, 'Waiting for application startup.');
  log.plain('App Init...');
  log.info('monailabel.interfaces.utils.app', `Initializing App from: ${args.app}; studies: ${args.studies}; conf: ${pyRepr(conf)}`);

  const models = selectModels(conf['models'], log);
  if (!models) {
    log.error(UV, 'Application startup failed. Exiting.');
    return 1;
  }
  for (const name of models) log.info('main', `+++ Adding Model: ${name} => lib.configs.${name}.${MODELS[name]!.className}`);
  downloadWeights(args.app, models, new Set(faults.missingModels ?? []), log);
  if (faults.startupDelaySeconds) await sleep(faults.startupDelaySeconds * 1000);
  while (faults.startupWaitsFor && !existsSync(faults.startupWaitsFor)) await sleep(50);
  if (faults.failStartup) {
    fakeTraceback(args.app, String(faults.failStartup), log);
    log.error(UV, 'Application startup failed. Exiting.');
    return 1;
  }
  log.info('main', `+++ Using Models: ${pyRepr(models)}`);
  log.info('monailabel.interfaces.app', `Init Datastore for: ${args.studies}`);
  const app = new App(args.app, args.studies, conf, models, faults, log, version);
  if (faults.trainingRunning) app.train(models[0]!, 3600, {});
  log.info('monailabel.interfaces.app', 'App Init - completed');

  // Loopback only, whatever --host says: the stand-in must never be reachable from outside.
  const { port } = hostAddress({ host: '127.0.0.1', port: args.port });
  const server = createServer((request, response) => {
    void answer(app, version, log, request, response).then(({ status, parts }) => {
      // Once the answer is out: the process dies as an out-of-memory kill would end it.
      if (faults.dieAfterServingInfo && status === 200 && parts.join('/') === 'info') setTimeout(() => die(log), 200);
    });
  });
  const bound = await new Promise<NodeJS.ErrnoException | null>((done) => {
    server.once('error', done);
    server.listen(port, '127.0.0.1', () => done(null));
  });
  if (bound) {
    log.error(UV, bindFailure(bound, args.host, args.port));
    return 1;
  }
  log.info(UV, 'Application startup complete.');
  log.info(UV, `Uvicorn running on http://${args.host}:${args.port} (Press CTRL+C to quit)`);
  event('start_server', { pid: process.pid, port });
  return new Promise<number>(() => {}); // serves until the process ends
}

/** As an out-of-memory kill ends it: the shell's "Killed", status 137. */
function die(log: Log): void {
  log.plain('Killed');
  process.exit(137);
}

function selectModels(requested: string | undefined, log: Log): string[] | null {
  const valid = Object.keys(MODELS);
  const banner = '-'.repeat(87);
  if (!requested) {
    for (const line of ['', banner, 'Provide --conf models <name>', 'Following are the available models.  You can pass comma (,) seperated names to pass multiple', `    all, ${valid.join(', ')}`, banner, '']) {
      log.plain(line);
    }
    return null;
  }
  const names = requested.split(',').map((name) => name.trim()).filter(Boolean);
  const invalid = names.filter((name) => name !== 'all' && !(name in MODELS));
  if (invalid.length > 0) {
    for (const line of ['', banner, `Invalid Model(s) are provided: ${pyRepr(invalid)}, either set 'all' or valid models: ${pyRepr(valid)}`, banner, '']) log.plain(line);
    return null;
  }
  return names.includes('all') ? valid : [...new Set(names)];
}

function downloadWeights(appDir: string, models: readonly string[], missing: ReadonlySet<string>, log: Log): void {
  for (const name of models) {
    const path = join(appDir, 'model', `pretrained_${name}.pt`);
    if (existsSync(path)) continue;
    log.info(GENERIC, `Downloading resource: ${path} from ${WEIGHTS_URL(name)}`);
    if (missing.has(name)) {
      log.error(GENERIC, `Failed to download ${WEIGHTS_URL(name)}: HTTP Error 404: Not Found`);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'stand-in weights\n');
  }
}

function fakeTraceback(appDir: string, message: string, log: Log): void {
  log.plain('Traceback (most recent call last):');
  log.plain('  File "/usr/local/lib/python3.10/dist-packages/monailabel/interfaces/utils/app.py", line 51, in app_instance');
  log.plain('    app = c(app_dir=app_dir, studies=studies, conf=conf)');
  log.plain(`  File "${join(appDir, 'main.py')}", line 104, in __init__`);
  log.plain('    super().__init__(');
  log.plain(`RuntimeError: ${message}`);
}

async function answer(app: App, version: string, log: Log, request: IncomingMessage, response: ServerResponse): Promise<{ status: number; parts: string[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const { parts, query, rawQuery } = parseTarget(request.url ?? '/');
  if ((request.method === 'GET' || request.method === 'HEAD') && parts.join('/') === 'datastore/image' && query['image']) {
    await sendImage(app, log, query['image'], request.method, response);
    return { status: 200, parts };
  }
  const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
  let result: Answer;
  try {
    result = await route(app, version, method, parts, query, Buffer.concat(chunks), rawQuery);
  } catch (error) {
    if (error instanceof DicomWebError) result = { status: 500, body: { detail: `Failed to fetch series from DICOMweb: ${error.message}` } };
    else {
      // An API bug must answer 500, not kill the connection.
      log.error(UV, `Exception in ASGI application: ${(error as Error).name}: ${(error as Error).message}`);
      result = { status: 500, body: { detail: (error as Error).message } };
    }
  }
  const { body } = result;
  let data: Buffer;
  let type = 'application/octet-stream';
  if (Buffer.isBuffer(body)) data = body;
  else {
    const text = body instanceof Text ? body.text : pyJson(body);
    type = body instanceof Text ? `${body.html ? 'text/html' : 'text/plain'}; charset=utf-8` : 'application/json';
    data = Buffer.from(log.scrub(text), 'utf8');
  }
  response.writeHead(result.status, { Server: 'uvicorn', 'Content-Type': type, 'Content-Length': String(data.length) });
  response.end(request.method === 'HEAD' ? undefined : data);
  return { status: result.status, parts };
}

/** 64 KiB that repeat through an image's bytes (sha256 of its id): a test can check what arrived. */
export function imageBlock(image: string): Buffer {
  const digest = createHash('sha256').update(image, 'utf8').digest();
  return Buffer.concat(Array.from({ length: 2048 }, () => digest));
}

/** Next Sample's download: the series as one volume, streamed (tens to hundreds of MB). */
async function sendImage(app: App, log: Log, image: string, method: 'GET' | 'HEAD', response: ServerResponse): Promise<void> {
  const size = app.imageBytes;
  const block = imageBlock(image);
  log.info('monailabel.endpoints.datastore', `Image download: ${image}`);
  response.writeHead(200, { Server: 'uvicorn', 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
  let sent = 0;
  while (method === 'GET' && sent < size && !response.destroyed) {
    const piece = block.subarray(0, Math.min(block.length, size - sent));
    sent += piece.length;
    if (!response.write(piece)) await new Promise((resolve) => response.once('drain', resolve).once('close', resolve));
  }
  response.end();
}
