import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { CommandRouter } from '../commands/router.js';
import type { SlackConfig } from '../config/load.js';
import type { CommandContext, Surface } from '../frontend/surface.js';
import { boltLogger, type Logger } from '../log.js';
import type { Block, Message } from '../messages/blocks.js';
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
  /** The App Home tab as it should look now. */
  home: () => Promise<{ type: 'home'; blocks: Block[] }>;
  /** An answer to a question asked in a mention or a DM. */
  answer: (question: string) => Message;
  /** Claims a button for one use; returns the earlier claim if someone was first. */
  claimButton: (key: string, user: string) => Promise<{ user: string; at: number } | null>;
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

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
      : new HTTPReceiver({ signingSecret: slack.signingSecret ?? '', endpoints: '/slack/events', logger: log as never });
  const app = new App({
    token: slack.botToken,
    receiver,
    logger: log as never,
    clientOptions,
    deferInitialization: true,
    extendedErrorHandler: true,
  });
  const surface = slackSurface(app.client, redactor);
  let expectedTeam: string | undefined;
  const dispatch = (work: Promise<void>) => {
    const guarded = work.catch((error: unknown) => {
      logger.error('background work failed', { error });
    });
    options.onWork?.(guarded);
  };

  app.command('/monai', async ({ command, ack, respond }) => {
    await ack();
    // Acknowledge everything already received before doing any work: Slack gives each ack 3 s.
    await yieldToIo();
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
    const { work } = await options.router.handle(ctx);
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
    const refuse = async (reason: string, detail: Record<string, unknown>) => {
      logger.warn(`refused a button: ${reason}`, detail);
      await respond({ response_type: 'ephemeral', replace_original: false, text: `That button cannot be used: ${reason}.` }).catch(() => undefined);
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
    // A button on the App Home tab has no channel: its progress goes to the user's DM with the bot.
    const fromHome = body.container?.type === 'view';
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
      reply: async (message: Message) => {
        const { text, blocks } = redactor.redactDeep(message);
        await respond({ response_type: 'ephemeral', replace_original: false, text, blocks });
      },
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
      await app.client.views.publish({ user_id: user, view: redactor.redactDeep(await options.home()) });
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
    async start(port) {
      await app.init();
      expectedTeam = (await app.client.auth.test()).team_id;
      if (options.mode === 'socket') {
        await app.start();
        return undefined;
      }
      return (await app.start(port ?? slack.port)) as Server;
    },
    async stop() {
      await app.stop();
      if (receiver instanceof SocketModeReceiver) await receiver.client.disconnect();
    },
  };
}
