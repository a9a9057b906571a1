import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import pLimit from 'p-limit';
import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { CommandRouter } from '../commands/router.js';
import type { SlackConfig } from '../config/load.js';
import type { CommandContext, Surface } from '../frontend/surface.js';
import { boltLogger, type Logger } from '../log.js';
import { section, type Block, type Message } from '../messages/blocks.js';
import type { HealthMonitor } from '../health/monitor.js';
import type { Redactor } from '../redact.js';
import { slackSurface } from './surface.js';

export interface SlackAppOptions {
  slack: SlackConfig;
  mode: 'socket' | 'http';
  router: CommandRouter;
  logger: Logger;
  redactor: Redactor;
  /** Tests shorten Slack's retry policy and ping timeouts. */
  retries?: number;
  clientPingTimeoutMs?: number;
  /** Receives each command's background work (tests and shutdown wait for it). */
  onWork?: (work: Promise<void>) => void;
  /** The App Home tab as it should look now, for this user (it checks who may see what). */
  home: (user: string) => Promise<{ type: 'home'; blocks: Block[] }>;
  /** An answer to a question asked in a mention or a DM. */
  answer: (question: string) => Message;
  /** Serves /healthz beside /slack/events (HTTP mode) and learns the socket's state (Socket Mode). */
  health?: HealthMonitor;
  /** Claims a button for one use; returns the earlier claim if someone was first. */
  claimButton: (key: string, user: string) => Promise<{ user: string; at: number } | null>;
}

/**
 * Commands whose first reply is being built and sent at once. Fifty replies in flight together keep
 * fifty HTTP requests' worth of objects alive through each garbage collection; a few at a time keep
 * the collector's pauses short while the next burst is acknowledged (bench: ack p99 ratio 1.5 → 1.0).
 */
const REPLIES_AT_ONCE = 4;
const REPLY_SLOT_MS = 2_000;

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long work after an ack may wait for other requests' acks (a steady stream must not starve it). */
const ACKS_FIRST_MAX_WAIT_MS = 250;
/** A burst is over when no request has arrived for this long. */
const ACKS_FIRST_QUIET_MS = 10;

function healthRoute(health: HealthMonitor) {
  return { path: '/healthz', method: ['GET', 'HEAD'], handler: (request: IncomingMessage, response: ServerResponse) => void health.handle(request, response) };
}

function watchSocket(receiver: SocketModeReceiver, health: HealthMonitor): void {
  const states = ['connecting', 'connected', 'reconnecting', 'disconnected'] as const;
  for (const state of states) receiver.client.on(state, () => health.setSocketState(state));
}

/**
 * Slack sends `disconnect` with reason `link_disabled` when Socket Mode is switched off for the app
 * (the sandbox does too when it quits). The client would reconnect forever and fail each time; the
 * bot says what happened once and stops instead.
 */
function watchForDisabledLink(receiver: SocketModeReceiver, logger: Logger, markLost: (reason: string) => void): void {
  receiver.client.on('ws_message', (data: unknown) => {
    let frame: { type?: string; reason?: string } | null = null;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : Buffer.from(data as Buffer).toString('utf8')) as { type?: string; reason?: string };
    } catch {
      return;
    }
    if (frame?.type !== 'disconnect' || frame.reason !== 'link_disabled') return;
    logger.error('Slack turned Socket Mode off for this app (link_disabled): the bot can receive nothing, so it stops. Turn Socket Mode on again (api.slack.com/apps → your app → Settings → Socket Mode) and start the bot, or use HTTP mode (leave SLACK_APP_TOKEN empty).');
    void receiver.client.disconnect();
    markLost('link_disabled');
  });
  receiver.client.on('reconnecting', () => logger.warn('the Slack connection was lost; reconnecting'));
}

function teamOf(body: unknown): string | undefined {
  const payload = body as { team_id?: string; team?: { id?: string } | null; user?: { team_id?: string } };
  return payload.team_id ?? payload.team?.id ?? payload.user?.team_id ?? undefined;
}

export interface SlackFrontEnd {
  app: App;
  /** Slack as a place to post, for work nobody typed a command for (warnings, digests). */
  surface: Surface;
  /** Starts listening; in HTTP mode returns the server (port 0 picks a free port). */
  start(port?: number): Promise<Server | undefined>;
  /**
   * Resolves when Slack has closed the door for good (it turned Socket Mode off for the app:
   * `link_disabled`); the bot stops rather than reconnect in a loop. Never resolves otherwise.
   */
  lost: Promise<string>;
  stop(): Promise<void>;
}

interface ButtonValue {
  command?: unknown;
}

export function createSlackApp(options: SlackAppOptions): SlackFrontEnd {
  const { slack, logger, redactor } = options;
  const log = boltLogger(logger);
  const clientOptions = {
    slackApiUrl: slack.apiUrl,
    ...(options.retries !== undefined ? { retryConfig: { retries: options.retries } } : {}),
  };
  const receiver: Receiver =
    options.mode === 'socket'
      ? new SocketModeReceiver({
          appToken: slack.appToken ?? '',
          logger: log as never,
          installerOptions: { clientOptions },
          ...(options.clientPingTimeoutMs ? { clientPingTimeout: options.clientPingTimeoutMs } : {}),
        })
      : new HTTPReceiver({
          signingSecret: slack.signingSecret ?? '',
          endpoints: '/slack/events',
          logger: log as never,
          ...(options.health ? { customRoutes: [healthRoute(options.health)] } : {}),
        });
  if (options.health && receiver instanceof SocketModeReceiver) watchSocket(receiver, options.health);
  let markLost: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => (markLost = resolve));
  if (receiver instanceof SocketModeReceiver) watchForDisabledLink(receiver, logger, markLost);
  const app = new App({
    token: slack.botToken,
    receiver,
    logger: log as never,
    clientOptions,
    deferInitialization: true,
    extendedErrorHandler: true,
    // The bot keeps no per-conversation state in Bolt: skip the store's work on every request.
    convoStore: false,
  });
  const surface = slackSurface(app.client, redactor);
  let expectedTeam: string | undefined;
  const replies = pLimit(REPLIES_AT_ONCE);
  // Requests received over HTTP and not yet answered: work after an ack waits for them, so that a
  // burst (the whole lab at 9 a.m.) is acknowledged first and Slack's 3 s are never at risk.
  let unanswered = 0;
  let lastRequestAt = 0;
  const acksFirst = async () => {
    const until = Date.now() + ACKS_FIRST_MAX_WAIT_MS;
    await yieldToIo();
    while ((unanswered > 0 || Date.now() - lastRequestAt < ACKS_FIRST_QUIET_MS) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const dispatch = (work: Promise<void>) => {
    const guarded = work.catch((error: unknown) => {
      logger.error('background work failed', { error });
    });
    options.onWork?.(guarded);
  };

  app.command('/monai', async ({ command, ack, respond }) => {
    await ack();
    await acksFirst();
    const ctx: CommandContext = {
      origin: 'slash',
      user: command.user_id,
      userName: command.user_name,
      channel: command.channel_id,
      text: command.text ?? '',
      surface,
      reply: async (message: Message) => {
        const { text, blocks } = redactor.redactDeep(message);
        await respond({ response_type: 'ephemeral', text, blocks });
      },
    };
    const { handling } = await replies(async () => {
      const handling = options.router.handle(ctx);
      // A slow Slack must not hold a slot for everyone: a slot is lent for REPLY_SLOT_MS at most.
      await Promise.race([handling.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, REPLY_SLOT_MS).unref())]);
      return { handling };
    });
    const { work } = await handling;
    dispatch(work);
  });

  // Only our own workspace: a payload from another team is refused, whatever it carries.
  app.use(async (args) => {
    const team = teamOf(args.body);
    if (team && expectedTeam && team !== expectedTeam) {
      logger.warn('refused a request from another workspace', { team, expected: expectedTeam, type: (args.body as { type?: string }).type });
      const ack = (args as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      return;
    }
    // Slack always sends the clicked action; a block_actions payload without one is acknowledged and dropped.
    const interaction = args.body as { type?: string; actions?: unknown };
    if (interaction.type === 'block_actions' && (!Array.isArray(interaction.actions) || interaction.actions.length === 0)) {
      logger.warn('refused an interaction without actions', { user: (args.body as { user?: { id?: string } }).user?.id });
      const ack = (args as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      return;
    }
    await args.next();
  });

  app.action(/^monai:/, async ({ ack, body, action, respond }) => {
    await ack();
    // A button on the App Home tab has no channel and Slack gives it no response_url: replies go
    // to the person as a DM from the bot (chat.postMessage to their user id).
    const fromHome = body.type === 'block_actions' && body.container?.type === 'view';
    const answer = async (message: Message) => {
      const { text, blocks } = redactor.redactDeep(message);
      if (fromHome || !(body as { response_url?: string }).response_url) await surface.post(body.user.id, { text, blocks });
      else await respond({ response_type: 'ephemeral', replace_original: false, text, blocks });
    };
    const refuse = async (reason: string, detail: Record<string, unknown>) => {
      logger.warn(`refused a button: ${reason}`, detail);
      const text = `That button cannot be used: ${reason}.`;
      await answer({ text, blocks: [section(text)] }).catch((error: unknown) => logger.warn('could not answer a button', { error }));
    };
    if (body.type !== 'block_actions' || action.type !== 'button') return refuse('unexpected payload', { type: body.type });
    const actionId = (action as { action_id?: string }).action_id ?? '';
    let value: ButtonValue;
    try {
      const parsed = JSON.parse(action.value ?? '{}') as unknown;
      value = parsed !== null && typeof parsed === 'object' ? (parsed as ButtonValue) : {};
    } catch {
      value = {};
    }
    // The Home tab's work (progress messages) goes to the user's DM with the bot too.
    const channel = body.channel?.id ?? body.container?.channel_id ?? (fromHome ? body.user.id : undefined);
    if (typeof value.command !== 'string' || value.command.length > 100 || !channel) {
      return refuse('it carries no command the bot knows', { actionId, user: body.user.id });
    }
    // A button acts once: the second click on the same button (or a double click) does nothing.
    const view = (body as { view?: { id?: string; hash?: string } }).view;
    const key = fromHome ? `home:${view?.id}:${view?.hash}:${actionId}` : `${channel}:${body.container?.message_ts ?? body.message?.ts}:${actionId}`;
    const ctx: CommandContext = {
      claim: () => options.claimButton(key, body.user.id),
      origin: fromHome ? 'home' : 'button',
      user: body.user.id,
      userName: body.user.username ?? body.user.name,
      channel,
      text: value.command,
      surface,
      reply: answer,
    };
    const { work } = await options.router.handle(ctx);
    dispatch(fromHome ? work.then(() => publishHome(body.user.id)) : work);
  });

  // Anything else that arrives as an interaction is not ours: acknowledged, logged, ignored.
  app.action(/^(?!monai:)/, async ({ ack, body, action }) => {
    await ack();
    logger.warn('refused an unknown action', { actionId: (action as { action_id?: string }).action_id, user: (body as { user?: { id?: string } }).user?.id });
  });

  const publishHome = async (user: string) => {
    try {
      await app.client.views.publish({ user_id: user, view: redactor.redactDeep(await options.home(user)) });
    } catch (error) {
      logger.warn('could not publish the App Home tab', { user, error });
    }
  };

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab === 'home') await publishHome(event.user);
  });

  // A mention, or a DM, is a question: the best troubleshooting topic answers it, in the thread.
  app.event('app_mention', async ({ event, say }) => {
    const question = (event.text ?? '').replace(/<@[A-Z0-9]+>/g, '').trim();
    const { text, blocks } = redactor.redactDeep(options.answer(question));
    await say({ text, blocks, thread_ts: event.thread_ts ?? event.ts });
  });

  app.message(async ({ message, say }) => {
    if (message.channel_type !== 'im' || message.subtype !== undefined || 'bot_id' in message) return;
    const { text, blocks } = redactor.redactDeep(options.answer(message.text ?? ''));
    await say({ text, blocks });
  });

  app.error((async ({ error }: { error: Error }) => {
    logger.error('slack handler failed', { error });
  }) as never);

  return {
    app,
    surface,
    lost,
    async start(port) {
      await app.init();
      expectedTeam = (await app.client.auth.test()).team_id;
      if (options.mode === 'socket') {
        await app.start();
        return undefined;
      }
      const server = (await app.start(port ?? slack.port)) as Server;
      server.on('request', (_request, response: ServerResponse) => {
        unanswered += 1;
        lastRequestAt = Date.now();
        response.once('close', () => (unanswered -= 1));
      });
      return server;
    },
    async stop() {
      await app.stop();
      if (receiver instanceof SocketModeReceiver) await receiver.client.disconnect();
    },
  };
}
