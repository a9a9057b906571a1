import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from './app.js';
import { NO_GPU, NVIDIA_SMI } from './models.js';
import type { PyValue } from './pyformat.js';

/** A text answer: text/plain, or text/html for the root page. */
export class Text {
  constructor(
    readonly text: string,
    readonly html = false,
  ) {}
}

/** A PyValue goes out as JSON, Text as text, a Buffer as it is (application/octet-stream). */
export interface Answer {
  status: number;
  body: PyValue | Text | Buffer;
}

const ok = (body: Answer['body']): Answer => ({ status: 200, body });
const notFound: Answer = { status: 404, body: { detail: 'Not Found' } };
const missing = (field: string): Answer => ({ status: 422, body: { detail: [{ loc: ['query', field], msg: 'field required', type: 'value_error.missing' }] } });

/** The HTTP API's routes, as the Python stand-in's api.py answers them. */
export async function route(app: App, version: string, method: string, parts: string[], query: Record<string, string>, body: Buffer, rawQuery = ''): Promise<Answer> {
  const [head = '', ...rest] = parts;
  if (method === 'GET' && parts.length === 0) {
    return ok(new Text("<html><head><title>MONAI Label</title></head><body><h1>MONAI Label</h1><p><a href='/docs/'>API docs</a></p></body></html>", true));
  }
  if (method === 'GET' && parts.join('/') === 'openapi.json') return ok({ openapi: '3.0.2', info: { title: 'MONAILabel', version }, paths: {} });
  if (method === 'GET' && parts.join('/') === 'info') return ok(await app.info());
  if (head === 'datastore' && method === 'GET' && rest.length === 0) return ok(query['output'] === 'all' ? await app.objects() : await app.stats());
  if (head === 'datastore' && method === 'PUT' && rest.join('/') === 'label') {
    return query['image'] ? ok(app.saveLabel(query['image'], query['tag'] ?? 'final', body.length)) : missing('image');
  }
  if (head === 'model' && rest.length === 1) {
    const model = rest[0]!;
    if (method === 'PUT') return ok(app.putModel(model, body));
    if (method === 'DELETE') return ok(app.deleteModel(model));
    if (method === 'GET' && existsSync(app.weights(model))) return ok(readFileSync(app.weights(model)));
  }
  if (head === 'proxy' && rest[0] === 'dicom' && rest.length >= 3 && (method === 'GET' || method === 'POST')) {
    if (!app.remote) return notFound;
    // /proxy/dicom/{qido,wado,stow}/<path>: every kind goes to the DICOMweb root here.
    return app.proxy(method, rest.slice(2).join('/'), rawQuery, body);
  }
  if (head === 'activelearning' && method === 'POST' && rest.length === 1) {
    const strategy = rest[0]!;
    if (strategy !== 'random' && strategy !== 'first' && strategy !== 'last') return { status: 404, body: { detail: `Strategy '${strategy}' not found` } };
    return ok(await app.nextSample(strategy));
  }
  if (head === 'infer' && method === 'POST' && rest.length === 1) {
    const model = rest[0]!;
    if (!app.infers[model]) return { status: 404, body: { detail: `Inference Task is not Initialized. There is no model '${model}' available` } };
    return query['image'] ? ok(app.infer(model, query['image'])) : missing('image');
  }
  if (head === 'train') return train(app, method, rest, query, body.toString('utf8'));
  if (head === 'logs' && method === 'GET') {
    if (rest.join('/') === 'gpu') return ok(new Text(app.device[0] === 'cpu' ? NO_GPU : NVIDIA_SMI));
    if (rest.length === 0) return ok(new Text(tail(join(app.appDir, 'logs', 'app.log'), Number.parseInt(query['lines'] ?? '300', 10))));
  }
  return notFound;
}

function train(app: App, method: string, rest: string[], query: Record<string, string>, body: string): Answer {
  const flag = (name: string) => ['true', '1'].includes(query[name] ?? '');
  if (method === 'GET' && rest.length === 0) {
    const running = app.runningTask();
    if (flag('check_if_running')) return running ? ok({ ...running }) : { status: 404, body: { detail: 'No Train Tasks are currently Running' } };
    if (app.tasks.length === 0) return { status: 404, body: { detail: 'No Train Tasks found' } };
    return ok(flag('all') ? app.tasks.map((task) => ({ ...task })) : { ...app.tasks.at(-1)! });
  }
  if (method === 'DELETE' && rest.length === 0) return ok(app.stopTrainingTask());
  if (method === 'POST' && rest.length === 1) {
    const model = rest[0]!;
    if (!(model in app.trainers)) return { status: 404, body: { detail: `Train Task for '${model}' not found` } };
    const request = (body.trim() ? JSON.parse(body) : {}) as Record<string, PyValue>;
    const seconds = Number(query['seconds'] ?? request['max_epochs'] ?? 30);
    const task = app.train(model, seconds, request);
    return task ? ok({ ...task }) : { status: 429, body: { detail: 'Train Task is already running' } };
  }
  return notFound;
}

function tail(path: string, lines: number): string {
  if (!existsSync(path)) return '';
  const content = readFileSync(path, 'utf8').split('\n');
  if (content.at(-1) === '') content.pop();
  return lines > 0 ? `${content.slice(-lines).join('\n')}\n` : '';
}
