import type { Logger } from '../log.js';
import type { Message } from '../messages/blocks.js';
import type { Clock } from '../util/clock.js';
import type { MessageRef, Surface } from './surface.js';

/**
 * One message edited in place. Edits are throttled (Slack's chat.update is rate-limited per
 * workspace); the latest content always wins and the final edit is never dropped.
 */
export class LiveMessage {
  private latest: Message | null = null;
  private sentAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private finalSent = false;

  constructor(
    private readonly surface: Surface,
    readonly ref: MessageRef,
    private readonly options: { clock: Clock; logger: Logger; minIntervalMs: number },
  ) {}

  static async post(surface: Surface, channel: string, message: Message, options: LiveMessage['options']): Promise<LiveMessage> {
    const ref = await surface.post(channel, message, { live: true });
    const live = new LiveMessage(surface, ref, options);
    live.sentAt = options.clock.now();
    return live;
  }

  /** Schedules an edit; returns at once. */
  set(message: Message): void {
    this.latest = message;
    if (this.timer) return;
    const wait = Math.max(0, this.sentAt + this.options.minIntervalMs - this.options.clock.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
    this.timer.unref?.();
  }

  /** Sends the latest content now and waits until every edit has gone out. */
  async final(message: Message): Promise<boolean> {
    this.latest = message;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.finalSent = false;
    await this.flush(true);
    return this.finalSent;
  }

  private flush(final = false): Promise<void> {
    const message = this.latest;
    this.latest = null;
    if (!message) return this.chain;
    this.chain = this.chain.then(async () => {
      try {
        await this.surface.update(this.ref, message, { final });
        this.sentAt = this.options.clock.now();
        if (final) this.finalSent = true;
      } catch (error) {
        this.options.logger.warn('could not update a progress message', { channel: this.ref.channel, ts: this.ref.ts, error });
      }
    });
    return this.chain;
  }
}
