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
  /** Display name when the front end knows it (never used to authorise anything). */
  userName?: string | undefined;
  channel: string;
  text: string;
  /** A private reply to the caller. */
  reply(message: Message): Promise<void>;
  surface: Surface;
}
