import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSchema,
  execute,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type SelectionNode,
  Kind,
  parse,
  validate,
} from 'graphql';
import type { RequestContext } from './resolvers.js';
import type { Fault, RunPodSimulator, SimOperation } from './simulator.js';
import { applyTransportFault, readBody, send, TIMEOUT_PAGE } from './transport.js';
import { handleV2 } from './v2/handler.js';

const schema = buildSchema(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

const GRAPHQL_OPERATIONS: Record<string, SimOperation> = {
  pod: 'getPod',
  podFindAndDeployOnDemand: 'deploy',
  podResume: 'resume',
  podStop: 'stop',
  podTerminate: 'terminate',
  gpuTypes: 'gpuTypes',
  dataCenters: 'dataCenters',
};

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

/** Field names selected directly under `selections`, following fragment spreads. */
function selectedNames(document: DocumentNode, selections: readonly SelectionNode[]): string[] {
  return selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return selectedNames(document, selection.selectionSet.selections);
    const fragment = document.definitions.find(
      (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
    );
    return fragment ? selectedNames(document, fragment.selectionSet.selections) : [];
  });
}

/** Root fields, plus the account operations they amount to (`myself { pods }` lists pods, `myself { clientBalance }` reads the balance). */
function rootFields(document: DocumentNode): string[] {
  return document.definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
    return definition.selectionSet.selections.flatMap((selection) => {
      if (selection.kind !== Kind.FIELD) return [];
      const name = selection.name.value;
      if (name !== 'myself') return GRAPHQL_OPERATIONS[name] ? [name, GRAPHQL_OPERATIONS[name]] : [name];
      const under = selectedNames(document, selection.selectionSet?.selections ?? []);
      return [
        name,
        ...(under.includes('pods') ? ['listPods'] : []),
        ...(under.some((field) => field === 'clientBalance' || field === 'currentSpendPerHr') ? ['balance'] : []),
      ];
    });
  });
}

function errorsBody(errors: readonly GraphQLError[]) {
  return { errors: errors.map((error) => error.toJSON()) };
}

/** Returns true when the fault fully answered (or dropped) the request. */
async function applyFault(fault: Fault, request: http.IncomingMessage, response: http.ServerResponse): Promise<boolean> {
  if (fault.kind === 'status' || fault.kind === 'problem') {
    const message = fault.kind === 'problem' ? fault.detail : fault.status === 429 ? 'Too Many Requests' : `HTTP ${fault.status}`;
    const retryAfter: Record<string, string> = fault.kind === 'status' && fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    send(response, fault.status, { errors: [{ message }] }, retryAfter);
    return true;
  }
  return applyTransportFault(fault, request, response);
}

async function handle(sim: RunPodSimulator, root: object, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/v2/')) return handleV2(sim, request, response);
  if (url.pathname !== '/graphql') return send(response, 404, { errors: [{ message: 'Not found' }] });
  if (sim.graphqlRetired) {
    // What a retired GraphQL answers is not known yet; 410 Gone is this simulator's guess.
    sim.calls.push({ at: sim.clock.now(), api: 'graphql', fields: ['<retired>'], status: 410 });
    return send(response, 410, { errors: [{ message: 'The GraphQL API has been retired. Use REST API v2.' }] });
  }
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
  const record = { at: sim.clock.now(), api: 'graphql' as const, fields, status: 200 };
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
  // Variables that do not match the schema never reach execution: RunPod answers 400 then.
  if (!result.data && result.errors) {
    record.status = 400;
    return send(response, 400, errorsBody(result.errors));
  }
  if (fault?.kind === 'lost') {
    record.status = fault.status;
    return send(response, fault.status, TIMEOUT_PAGE);
  }
  return send(response, 200, { data: result.data, ...(result.errors ? errorsBody(result.errors) : {}) });
}

export async function startHttp(sim: RunPodSimulator, root: object): Promise<HttpHandle> {
  const server = http.createServer((request, response) => {
    handle(sim, root, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { errors: [{ message: 'simulator failure' }] });
      sim.calls.push({ at: sim.clock.now(), api: 'graphql', fields: ['<crash>'], status: 500 });
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
