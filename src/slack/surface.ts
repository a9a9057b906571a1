import type { webApi } from '@slack/bolt';
import { BotError } from '../errors.js';
import type { MessageRef, Surface } from '../frontend/surface.js';
import type { Message } from '../messages/blocks.js';
import type { Redactor } from '../redact.js';

const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

function platformError(error: unknown): string | undefined {
  return (error as { data?: { error?: string } } | null)?.data?.error;
}

/** Slack's refusals that a user can fix become BotErrors; the rest pass through for the log. */
export function slackFailure(error: unknown): unknown {
  const code = platformError(error);
  if (code && NOT_IN_CHANNEL.has(code)) return new BotError('SLACK_NOT_IN_CHANNEL', { cause: error });
  return error;
}

/**
 * The Slack Web API as a Surface. Every message passes the redactor on its way out, so no code
 * path can post a secret.
 */
export function slackSurface(client: webApi.WebClient, redactor: Redactor): Surface {
  const clean = (message: Message) => redactor.redactDeep(message);
  return {
    async post(channel, message, options) {
      try {
        const { text, blocks } = clean(message);
        const result = await client.chat.postMessage({
          channel,
          text,
          blocks,
          ...(options?.threadTs ? { thread_ts: options.threadTs } : {}),
          unfurl_links: false,
        });
        return { channel: result.channel ?? channel, ts: String(result.ts) } satisfies MessageRef;
      } catch (error) {
        throw slackFailure(error);
      }
    },
    async update(ref, message) {
      const { text, blocks } = clean(message);
      await client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks });
    },
    async ephemeral(channel, user, message) {
      const { text, blocks } = clean(message);
      try {
        await client.chat.postEphemeral({ channel, user, text, blocks });
      } catch (error) {
        throw slackFailure(error);
      }
    },
  };
}
