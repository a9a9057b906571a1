import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSchema,
  execute,
  type DocumentNode,
  type GraphQLError,
  Kind,
  parse,
  validate,
} from 'graphql';
import type { RequestContext } from './resolvers.js';
import type { Fault, RunPodSimulator } from './simulator.js';

const schema = buildSchema(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

const CLOUDFLARE_PAGE = `<!DOCTYPE html>
<html><head><title>Access denied | api.runpod.io used Cloudflare to restrict access</title></head>
<body><h1>Error 1010</h1><p>The owner of this website (api.runpod.io) has banned your access based on your browser's signature.</p></body></html>`;

interface Compiled {
  document: DocumentNode;
  validationErrors: readonly GraphQLError[];
}

/** The bot sends the same few documents again and again: each is parsed and validated once. */
const documentCache = new Map<string, Compiled>();

function compile(query: string): Compiled {
  const known = documentCache.get(query);
  if (known) return known;
  const document = parse(query);
  const result = { document, validationErrors: validate(schema, document) };
  if (documentCache.size >= 500) documentCache.clear();
  documentCache.set(query, result);
  return result;
}

function rootFields(document: DocumentNode): string[] {
  return document.definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION
      ? definition.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []))
      : [],
  );
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  response.end(text);
}

function errorsBody(errors: readonly GraphQLError[]) {
  return { errors: errors.map((error) => error.toJSON()) };
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Returns true when the fault fully answered (or dropped) the request. */
async function applyFault(fault: Fault, request: http.IncomingMessage, response: http.ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      send(
        response,
        fault.status,
        { errors: [{ message: fault.status === 429 ? 'Too Many Requests' : `HTTP ${fault.status}` }] },
        fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
      );
      return true;
    case 'html':
      send(response, fault.status, CLOUDFLARE_PAGE);
      return true;
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return false;
    case 'hang':
      await new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
      return true;
    case 'reset':
      request.socket.destroy();
      return true;
    case 'error':
    case 'lost-answer':
      return false;
  }
}

async function handle(sim: RunPodSimulator, root: object, request: http.IncomingMessage, response: http.ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/graphql') return send(response, 404, { errors: [{ message: 'Not found' }] });
  if (request.method !== 'POST') return send(response, 405, { errors: [{ message: 'Use POST' }] });

  const header = request.headers.authorization ?? '';
  const key = header.startsWith('Bearer ') ? header.slice(7).trim() : url.searchParams.get('api_key') ?? '';
  let body: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch {
    return send(response, 400, { errors: [{ message: 'Request body is not valid JSON' }] });
  }
  let compiled: Compiled;
  try {
    compiled = compile(String(body.query ?? ''));
  } catch (error) {
    return send(response, 400, errorsBody([error as GraphQLError]));
  }
  const { document, validationErrors } = compiled;
  const fields = rootFields(document);
  const record = { at: sim.clock.now(), fields, status: 200 };
  sim.calls.push(record);

  // A never-valid key gets HTTP 401 (RunPod's body is unknown; this one is minimal).
  if (key && key !== sim.apiKey) {
    record.status = 401;
    return send(response, 401, { error: 'Unauthorized' });
  }
  const fault = sim.takeFault(fields);
  if (fault && (await applyFault(fault, request, response))) {
    record.status = response.statusCode;
    return;
  }
  if (validationErrors.length > 0) {
    record.status = 400;
    return send(response, 400, errorsBody(validationErrors));
  }
  if (fault?.kind === 'error') {
    const data = Object.fromEntries(fields.map((field) => [field, null]));
    return send(response, 200, {
      data,
      errors: [{ message: fault.message, path: [fields[0]], extensions: fault.code ? { code: fault.code } : {} }],
    });
  }
  sim.accrue();
  const context: RequestContext = { authenticated: key === sim.apiKey };
  const result = await execute({
    schema,
    document,
    rootValue: root,
    contextValue: context,
    variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
  });
  if (fault?.kind === 'lost-answer') {
    record.status = fault.status;
    return send(response, fault.status, CLOUDFLARE_PAGE);
  }
  // Variables that do not match the schema never reach execution: RunPod answers 400 then.
  if (!result.data && result.errors) {
    record.status = 400;
    return send(response, 400, errorsBody(result.errors));
  }
  return send(response, 200, { data: result.data, ...(result.errors ? errorsBody(result.errors) : {}) });
}

export async function startHttp(sim: RunPodSimulator, root: object): Promise<HttpHandle> {
  const server = http.createServer((request, response) => {
    handle(sim, root, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { errors: [{ message: 'simulator failure' }] });
      sim.calls.push({ at: sim.clock.now(), fields: ['<crash>'], status: 500 });
      sim.reportError(error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
