import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../util/clock.js';
import { healthReport, type HealthFacts, type HealthReport, type SocketState } from './report.js';

/** Collects what /healthz reports, as it happens; asks the database only when asked. */
export class HealthMonitor {
  private runpod: HealthFacts['runpod'] = null;
  private socket: HealthFacts['socket'] = null;
  private slack: NonNullable<HealthFacts['slack']>;
  private readonly startedAt: number;

  constructor(
    private readonly deps: { clock: Clock; version: string; mode: 'socket' | 'http'; pingDatabase: () => Promise<void> },
  ) {
    this.startedAt = deps.clock.now();
    this.slack = { reachable: false, since: this.startedAt };
    if (deps.mode === 'socket') this.socket = { state: 'connecting', since: this.startedAt };
  }

  recordRunPodCall(result: { ok: boolean; operation: string; error?: { code: string } }): void {
    this.runpod = { ok: result.ok, operation: result.operation, at: this.deps.clock.now(), ...(result.error ? { error: result.error.code } : {}) };
  }

  /** Whether Slack accepts the bot's tokens; until it does, /healthz says Slack is down and why. */
  setSlackReachable(reachable: boolean, reason?: string): void {
    if (this.slack.reachable === reachable && this.slack.reason === reason) return;
    const since = this.slack.reachable === reachable ? this.slack.since : this.deps.clock.now();
    this.slack = { reachable, since, ...(reason ? { reason } : {}) };
  }

  setSocketState(state: SocketState): void {
    if (this.socket?.state === state) return;
    this.socket = { state, since: this.deps.clock.now() };
  }

  async report(): Promise<HealthReport> {
    let database: HealthFacts['database'];
    try {
      await this.deps.pingDatabase();
      database = { writable: true };
    } catch (error) {
      database = { writable: false, error: error instanceof Error ? error.message : String(error) };
    }
    return healthReport({ now: this.deps.clock.now(), startedAt: this.startedAt, version: this.deps.version, mode: this.deps.mode, database, runpod: this.runpod, socket: this.socket, slack: this.slack });
  }

  /** Answers GET /healthz (and HEAD); anything else is 404. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/healthz' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const report = await this.report();
    response.writeHead(report.httpStatus, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : `${JSON.stringify(report.body)}\n`);
  }

  /** Socket Mode's own small server for /healthz (HTTP mode serves it beside /slack/events). */
  async listen(port: number, host = '0.0.0.0'): Promise<Server> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    return server;
  }
}
