import { createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ApiCall {
  method: string;
  token: string;
  args: Record<string, unknown>;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  /** Every version, oldest first (the first is the post). */
  versions: { text: string; blocks: unknown[] }[];
}

type Failure = { status: 429; retryAfter: number } | { error: string } | { status: number };

/** A workspace as Slack enforces it: the only tokens it accepts and the channels that exist. */
export interface StrictWorkspace {
  botToken: string;
  appToken: string;
  /** Channel ID → its name and whether the bot is a member (invited). */
  channels: Map<string, { name: string; member: boolean }>;
}

/** Web API methods that act in a channel: Slack refuses an unknown one, or one the bot is not in. */
const CHANNEL_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'conversations.info']);

/**
 * Slack on loopback: the Web API (records calls, keeps messages and their edits), response_url
 * endpoints, and a Socket Mode WebSocket server that sends envelopes and collects acks.
 */
export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly messages = new Map<string, PostedMessage>();
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  readonly acks = new Map<string, unknown>();
  readonly sockets = new Set<WebSocket>();
  private readonly failures = new Map<string, Failure[]>();
  /** What conversations.info says per channel ID; a channel not listed is one the bot is in. */
  readonly channelInfo = new Map<string, { name?: string; is_member?: boolean; is_archived?: boolean } | 'channel_not_found'>();
  /** response_url posts to leave unanswered (a Slack that hangs), until releaseResponses(). */
  holdResponses = 0;
  private readonly heldResponses: (() => void)[] = [];
  private readonly ackWaiters = new Map<string, (payload: unknown) => void>();
  private server!: http.Server;
  private wss!: WebSocketServer;
  private nextTs = 1_700_000_000;
  port = 0;
  wsPort = 0;

  /**
   * Without a workspace, any token and any channel pass (the tests that need that). With one, the
   * fake is as strict as Slack: not_authed, invalid_auth, not_allowed_token_type, channel_not_found,
   * not_in_channel.
   */
  constructor(readonly workspace?: StrictWorkspace) {}

  /** /invite @monai in a channel. */
  invite(channel: string): boolean {
    const found = this.workspace?.channels.get(channel);
    if (!found) return false;
    found.member = true;
    return true;
  }

  /** What Slack sends when Socket Mode is switched off for the app: the connections close for good. */
  disableSocketMode(): void {
    for (const socket of this.sockets) socket.send(JSON.stringify({ type: 'disconnect', reason: 'link_disabled', debug_info: { host: 'fake-slack' } }));
  }

  /** Listens on loopback: a free port, or `port` (a Slack that comes up where the bot already looks). */
  async start(port = 0): Promise<this> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.wss.once('listening', () => resolve()));
    this.wsPort = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (!frame.envelope_id) return;
        this.acks.set(frame.envelope_id, frame.payload);
        this.ackWaiters.get(frame.envelope_id)?.(frame.payload);
      });
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0MONAI' } }));
    });
    return this;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  responseUrl(): string {
    return `http://127.0.0.1:${this.port}/response/${randomUUID()}`;
  }

  /** The next calls to `method` fail this way, in order. */
  fail(method: string, ...failures: Failure[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures]);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Waits until a predicate over the recorded state holds. */
  get heldCount(): number {
    return this.heldResponses.length;
  }

  releaseResponses(): void {
    for (const release of this.heldResponses.splice(0)) release();
  }

  async waitFor<T>(probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error('timed out waiting for Slack traffic');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends a Socket Mode envelope and resolves with the app's ack payload. */
  async sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown): Promise<unknown> {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error('no socket connected');
    const envelopeId = randomUUID();
    const acked = new Promise((resolve, reject) => {
      this.ackWaiters.set(envelopeId, resolve);
      setTimeout(() => reject(new Error('no ack within 3 s')), 3000).unref();
    });
    socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
    return acked;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/response/')) {
      if (this.holdResponses > 0) {
        this.holdResponses--;
        await new Promise<void>((resolve) => this.heldResponses.push(resolve));
      }
      this.responses.push({ id: url.pathname.slice('/response/'.length), body: JSON.parse(raw) as Record<string, unknown> });
      return json(200, { ok: true });
    }
    const method = url.pathname.replace('/api/', '');
    const args: Record<string, unknown> = {};
    if ((request.headers['content-type'] ?? '').includes('json')) Object.assign(args, raw ? JSON.parse(raw) : {});
    else for (const [key, value] of new URLSearchParams(raw)) args[key] = key === 'blocks' ? JSON.parse(value) : value;
    const token = (request.headers.authorization ?? '').replace('Bearer ', '') || String(args['token'] ?? '');
    this.calls.push({ method, token, args });
    const refusal = this.refuse(method, token, args);
    if (refusal) return json(200, { ok: false, error: refusal });
    const failure = this.failures.get(method)?.shift();
    if (failure) {
      if ('error' in failure) return json(200, { ok: false, error: failure.error });
      if (failure.status === 429) return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String((failure as { retryAfter: number }).retryAfter) });
      return json(failure.status, { ok: false, error: 'fatal_error' });
    }
    json(200, this.answer(method, args));
  }

  /** Slack's own refusal of this call, when the workspace is strict. */
  private refuse(method: string, token: string, args: Record<string, unknown>): string | null {
    const workspace = this.workspace;
    if (!workspace) return null;
    if (!token) return 'not_authed';
    const expected = method === 'apps.connections.open' ? workspace.appToken : workspace.botToken;
    if (token !== expected) return token === workspace.appToken || token === workspace.botToken ? 'not_allowed_token_type' : 'invalid_auth';
    const channel = String(args['channel'] ?? '');
    if (!CHANNEL_METHODS.has(method) || channel.startsWith('D')) return null;
    const found = workspace.channels.get(channel);
    if (!found) return 'channel_not_found';
    if (!found.member && method !== 'conversations.info') return 'not_in_channel';
    return null;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const channel = String(args['channel'] ?? '');
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0LAB', user: 'monai', team: 'Lab' };
      case 'apps.connections.open':
        return { ok: true, url: `ws://127.0.0.1:${this.wsPort}/link/?ticket=${randomUUID()}` };
      case 'chat.postMessage': {
        const ts = `${this.nextTs++}.000100`;
        const version = { text: String(args['text'] ?? ''), blocks: (args['blocks'] as unknown[]) ?? [] };
        this.messages.set(ts, {
          channel,
          ts,
          ...version,
          ...(args['thread_ts'] ? { threadTs: String(args['thread_ts']) } : {}),
          versions: [version],
        });
        return { ok: true, channel, ts, message: { text: version.text } };
      }
      case 'chat.update': {
        const message = this.messages.get(String(args['ts']));
        if (!message) return { ok: false, error: 'message_not_found' };
        const version = { text: String(args['text'] ?? ''), blocks: (args['blocks'] as unknown[]) ?? [] };
        Object.assign(message, version);
        message.versions.push(version);
        return { ok: true, channel, ts: message.ts, text: version.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${this.nextTs++}.000200` };
      case 'views.publish':
        return { ok: true, view: { id: 'V1', ...(args['view'] as object) } };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args['users'] ?? 'X')}` } };
      case 'conversations.info': {
        const info = this.channelInfo.get(channel);
        if (info === 'channel_not_found') return { ok: false, error: 'channel_not_found' };
        const known = this.workspace?.channels.get(channel);
        const base = known ? { name: known.name, is_member: known.member } : { name: 'annotation', is_member: true };
        return { ok: true, channel: { id: channel, ...base, is_archived: false, ...info } };
      }
      default:
        return { ok: true };
    }
  }
}

/** A bot token of Slack's shape, made per test run: nothing token-like is committed. */
export function fakeBotToken(): string {
  const digits = () => String(randomInt(1_000_000_000, 9_999_999_999));
  return `xoxb-${digits()}-${digits()}-${randomBytes(12).toString('hex')}`;
}

export const SIGNING_SECRET = 'test0signing0secret0abcdef123456';

/** A Slack-signed, form-encoded slash command (HMAC-SHA256 over "v0:ts:body"). */
export function signedCommand(
  url: string,
  fields: Record<string, string>,
  options: { secret?: string; timestamp?: number; signature?: string } = {},
): Promise<Response> {
  const body = new URLSearchParams(fields).toString();
  return signedPost(url, body, options);
}

export function signedAction(url: string, payload: unknown, options: { secret?: string; timestamp?: number } = {}): Promise<Response> {
  return signedPost(url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
}

function signedPost(url: string, body: string, options: { secret?: string; timestamp?: number; signature?: string }) {
  const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    options.signature ?? `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    // Bolt compares the bare type: a charset suffix would make it parse the body as JSON.
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
    body,
  });
}

export function slashCommand(fake: FakeSlack, text: string, user = 'U0ALICE', channel = 'C0LAB'): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0LAB',
    team_domain: 'lab',
    channel_id: channel,
    channel_name: 'annotation',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/monai',
    text,
    api_app_id: 'A0MONAI',
    is_enterprise_install: 'false',
    response_url: fake.responseUrl(),
    trigger_id: `trigger-${randomUUID()}`,
  };
}

/** A block_actions payload: `user` clicked a button whose value runs `command`. */
export function buttonClick(fake: FakeSlack, command: string, user = 'U0CAROL', channel = 'C0LAB', team = 'T0LAB'): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: team, domain: 'lab' },
    user: { id: user, username: user.toLowerCase(), team_id: team },
    api_app_id: 'A0MONAI',
    container: { type: 'message', message_ts: '1.1', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'annotation' },
    message: { ts: '1.1', text: 'a message with buttons' },
    response_url: fake.responseUrl(),
    trigger_id: `trigger-${randomUUID()}`,
    actions: [
      { action_id: `monai:0:${command.split(' ')[0]}`, block_id: 'b', type: 'button', value: JSON.stringify({ command }), action_ts: '1.2' },
    ],
  };
}

/** A signed Events API callback (JSON body), e.g. app_mention or app_home_opened. */
export function signedEvent(url: string, event: Record<string, unknown>, options: { secret?: string } = {}): Promise<Response> {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0LAB',
    api_app_id: 'A0MONAI',
    event: { event_ts: `${Date.now() / 1000}`, ...event },
    type: 'event_callback',
    event_id: `Ev${randomUUID().slice(0, 8)}`,
    event_time: Math.floor(Date.now() / 1000),
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
    body,
  });
}
