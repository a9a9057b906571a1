import type { Origin } from '../commands/access.js';
import type { Message } from '../messages/blocks.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

/** Where the bot talks: a Slack workspace, or the local console. */
export interface Surface {
  /** `live`: the message will be edited as work progresses. */
  post(channel: string, message: Message, options?: { threadTs?: string; live?: boolean }): Promise<MessageRef>;
  /** `final`: the last edit of a live message. */
  update(ref: MessageRef, message: Message, options?: { final?: boolean }): Promise<void>;
  /** A message only `user` sees. */
  ephemeral(channel: string, user: string, message: Message): Promise<void>;
}

/** How one command talks back: privately to the caller, or in the channel. */
export interface CommandContext {
  user: string;
  /** Where the request came from; confirmations and access depend on it. */
  origin: Origin;
  /** Display name when the front end knows it (never used to authorise anything). */
  userName?: string | undefined;
  channel: string;
  text: string;
  /** A private reply to the caller. */
  reply(message: Message): Promise<void>;
  /**
   * For a button: claims it for this one use, after the caller was authorised. Returns the earlier
   * claim when the button was already used (a double click, or someone else was first).
   */
  claim?: () => Promise<{ user: string; at: number } | null>;
  surface: Surface;
}
