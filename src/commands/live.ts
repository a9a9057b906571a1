import type { CheckResult } from '../doctor/doctor.js';
import { CHECKS } from '../doctor/doctor.js';
import { asBotError } from '../errors.js';
import { LiveMessage } from '../frontend/progress.js';
import type { CommandContext } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import { errorMessage } from '../messages/common.js';
import { doctorMessage } from '../messages/doctor.js';
import { operationMessage } from '../messages/lifecycle.js';
import type { OperationView } from '../pod/operation.js';
import type { PodRequest } from '../pod/request.js';
import type { Clock } from '../util/clock.js';

export type Destination = Pick<CommandContext, 'channel' | 'surface' | 'reply'>;

/** Messages that follow work as it happens: an operation's progress, the doctor's checks. */
export class LiveMessages {
  /** Channels that already show a live message for an operation. */
  private readonly tracked = new Map<string, Set<string>>();

  constructor(private readonly deps: { clock: Clock; logger: Logger; minIntervalMs: number }) {}

  isTracked(op: PodRequest, channel: string): boolean {
    return this.tracked.get(op.id)?.has(channel) ?? false;
  }

  /** Posts (or, after a restart, keeps editing) a message for the operation; resolves with how it ended. */
  async follow(op: PodRequest, to: Destination, existingTs?: string): Promise<OperationView> {
    const channels = this.tracked.get(op.id) ?? new Set<string>();
    this.tracked.set(op.id, channels);
    channels.add(to.channel);
    let live: LiveMessage | null = null;
    try {
      live = existingTs
        ? new LiveMessage(to.surface, { channel: to.channel, ts: existingTs }, this.deps)
        : await LiveMessage.post(to.surface, to.channel, operationMessage(op.view), this.deps);
      if (!op.messageTs) await op.setMessage(to.channel, live.ref.ts);
      if (existingTs) live.set(operationMessage(op.view));
    } catch (error) {
      // Not a member of the channel, or Slack refused: the caller still hears the outcome.
      this.deps.logger.warn('could not post a progress message', { operation: op.id, channel: to.channel, error });
      await to.reply(errorMessage(asBotError(error))).catch(() => undefined);
    }
    const unsubscribe = op.subscribe((view) => live?.set(operationMessage(view)));
    const final = await op.done;
    unsubscribe();
    channels.delete(to.channel);
    if (channels.size === 0) this.tracked.delete(op.id);
    // The outcome must reach the person who asked, even when Slack refuses the last edit.
    if (!live || !(await live.final(operationMessage(final)))) await to.reply(operationMessage(final)).catch(() => undefined);
    return final;
  }

  /** The doctor's checks in one message, edited as each result comes in. */
  async doctor(to: Destination, run: (report: (results: readonly CheckResult[]) => void) => Promise<CheckResult[]>): Promise<CheckResult[]> {
    let live: LiveMessage | null = null;
    try {
      live = await LiveMessage.post(to.surface, to.channel, doctorMessage(CHECKS.map((check) => ({ ...check, status: 'pending', detail: '' })), false), this.deps);
    } catch (error) {
      await to.reply(errorMessage(asBotError(error))).catch(() => undefined);
    }
    const results = await run((progress) => live?.set(doctorMessage(progress, false)));
    if (live) await live.final(doctorMessage(results, true));
    else await to.reply(doctorMessage(results, true));
    return results;
  }
}
