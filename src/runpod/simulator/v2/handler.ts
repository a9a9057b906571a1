import http from 'node:http';
import { applyTransportFault, readBody, TIMEOUT_PAGE } from '../transport.js';
import type { Fault, RunPodSimulator } from '../simulator.js';
import { checkAnswer, checkBody, checkQuery, findOperation, type V2Operation } from './openapi.js';
import { Problem, runOperation, simOperations, type V2Answer } from './operations.js';

/**
 * RunPod's REST v2 on the simulator's origin (/v2/…), over the same simulated account as its
 * GraphQL: Bearer keys only, closed bodies (an unknown field is a 422), RFC 9457 problems,
 * RateLimit headers and a per-minute quota, and the fault injection the GraphQL side has.
 */

const PROBLEM = 'application/problem+json';
const JSON_TYPE = 'application/json';
const WINDOW_MS = 60_000;

interface Window {
  start: number;
  used: number;
}
const windows = new WeakMap<RunPodSimulator, Window>();

function problemBody(status: number, detail: string, errors?: string[]) {
  return { title: http.STATUS_CODES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) };
}

/** One request counted against the minute's quota; the headers RunPod sends (IETF RateLimit draft). */
function countRequest(sim: RunPodSimulator): { headers: Record<string, string>; exhausted: boolean; resetSeconds: number } {
  const now = sim.clock.now();
  let window = windows.get(sim);
  if (!window || now - window.start >= WINDOW_MS) {
    window = { start: now, used: 0 };
    windows.set(sim, window);
  }
  window.used += 1;
  const limit = sim.v2RequestsPerMinute;
  const remaining = Math.max(0, limit - window.used);
  const resetSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
  return {
    headers: { ratelimit: `"minute";r=${remaining};t=${resetSeconds}`, 'ratelimit-policy': `"minute";q=${limit};w=60` },
    exhausted: window.used > limit,
    resetSeconds,
  };
}

/** The JSON answer of a fault in v2's terms, or null when the fault is not about the answer's body. */
function faultAnswer(fault: Fault): { status: number; body: unknown; headers: Record<string, string> } | null {
  switch (fault.kind) {
    case 'status':
      return {
        status: fault.status,
        body: problemBody(fault.status, http.STATUS_CODES[fault.status] ?? `HTTP ${fault.status}`),
        headers: fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
      };
    case 'problem':
      return { status: fault.status, body: problemBody(fault.status, fault.detail, fault.errors), headers: {} };
    case 'error':
      // GraphQL's "HTTP 200 with errors[]" has no v2 form: a server fault is a 500, a refusal a 400.
      return { status: fault.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400, body: problemBody(fault.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400, fault.message), headers: {} };
    default:
      return null;
  }
}

async function streamLogs(sim: RunPodSimulator, operation: V2Operation, stream: Extract<V2Answer, { stream: unknown }>['stream'], request: http.IncomingMessage, response: http.ServerResponse, headers: Record<string, string>) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  const pod = sim.pods.get(stream.podId);
  const lines = (pod?.logs ?? []).filter((line) => (!stream.source || line.source === stream.source) && (stream.since === null || line.at >= stream.since));
  let sent = stream.since === null ? Math.max(0, lines.length - stream.tail) : 0;
  const flush = () => {
    const all = (sim.pods.get(stream.podId)?.logs ?? []).filter((line) => !stream.source || line.source === stream.source);
    for (const line of all.slice(sent)) {
      const event = { source: line.source, line: line.line, ts: new Date(line.at).toISOString() };
      const problems = checkAnswer(operation, 200, 'text/event-stream', event);
      if (problems.length > 0) sim.reportError(new Error(`v2 simulator sent an invalid log event: ${problems.join('; ')}`));
      response.write(`id: ${event.ts}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    sent = all.length;
  };
  flush();
  // A live stream, as RunPod's: new lines follow until the client hangs up.
  const timer = setInterval(flush, 100);
  timer.unref();
  await new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
  clearInterval(timer);
}

export async function handleV2(sim: RunPodSimulator, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const found = findOperation(request.method ?? 'GET', url.pathname);
  const raw = await readBody(request);
  let body: unknown;
  let bodyError: string | null = null;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw);
    } catch {
      bodyError = 'the request body is not valid JSON';
    }
  }
  const record = { at: sim.clock.now(), api: 'v2' as const, fields: found ? [found.operation.operationId, ...simOperations(found.operation.operationId, body)] : ['<unknown>'], status: 200 };
  sim.calls.push(record);
  const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
    record.status = status;
    const type = status >= 400 ? PROBLEM : JSON_TYPE;
    if (found && payload !== undefined) {
      const problems = checkAnswer(found.operation, status, type, payload);
      if (problems.length > 0) {
        sim.reportError(new Error(`v2 simulator answer does not match the schema (${found.operation.operationId} ${status}): ${problems.join('; ')}`));
        record.status = 500;
        response.writeHead(500, { 'content-type': PROBLEM, ...headers });
        response.end(JSON.stringify(problemBody(500, 'simulator answer failed its own schema')));
        return;
      }
    }
    response.writeHead(status, payload === undefined ? headers : { 'content-type': type, ...headers });
    response.end(payload === undefined ? undefined : JSON.stringify(payload));
  };

  if (!found) return answer(404, problemBody(404, `no route ${request.method ?? ''} ${url.pathname}`));
  const header = request.headers.authorization ?? '';
  // v2 takes the key only as a Bearer header; ?api_key= is GraphQL's.
  if (!header.startsWith('Bearer ') || header.slice(7).trim() !== sim.apiKey) {
    return answer(401, problemBody(401, 'invalid or missing API key'));
  }
  const quota = countRequest(sim);
  if (quota.exhausted) {
    return answer(429, problemBody(429, 'rate limit exceeded for the minute window'), { ...quota.headers, 'retry-after': String(quota.resetSeconds) });
  }
  const fault = sim.takeFault(record.fields);
  if (fault) {
    const faulty = faultAnswer(fault);
    if (faulty) return answer(faulty.status, faulty.body, { ...quota.headers, ...faulty.headers });
    if (await applyTransportFault(fault, request, response)) {
      record.status = response.statusCode;
      return;
    }
  }
  if (bodyError) return answer(400, problemBody(400, bodyError), quota.headers);
  const queryProblems = checkQuery(found.operation, url.searchParams);
  if (queryProblems.length > 0) return answer(400, problemBody(400, 'invalid query parameters', queryProblems), quota.headers);
  const bodyProblems = checkBody(found.operation, body);
  if (bodyProblems.length > 0) return answer(422, problemBody(422, 'the request body failed validation', bodyProblems), quota.headers);

  sim.accrue();
  let result: V2Answer;
  try {
    result = await runOperation(sim, found.operation.operationId, found.id, url.searchParams, body);
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return answer(error.status, problemBody(error.status, error.detail, error.errors), quota.headers);
  }
  if (fault?.kind === 'lost') {
    // The work is done; the edge gave up waiting for the answer.
    record.status = fault.status;
    response.writeHead(fault.status, { 'content-type': 'text/html' });
    response.end(TIMEOUT_PAGE);
    return;
  }
  if ('stream' in result) return streamLogs(sim, found.operation, result.stream, request, response, quota.headers);
  return answer(result.status, 'body' in result ? result.body : undefined, quota.headers);
}
