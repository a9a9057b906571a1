import type { PodSettings } from '../config/load.js';
import { asBotError, type BotError } from '../errors.js';
import { LiveMessage } from '../frontend/progress.js';
import type { CommandContext, Surface } from '../frontend/surface.js';
import type { Message } from '../messages/blocks.js';
import type { Logger } from '../log.js';
import { errorMessage, helpMessage, logMessage, noticeMessage } from '../messages/common.js';
import { mention, operationMessage } from '../messages/lifecycle.js';
import { statusMessage } from '../messages/status.js';
import { CHECKS, type CheckResult } from '../doctor/doctor.js';
import { doctorMessage } from '../messages/doctor.js';
import { troubleshootMessage } from '../messages/knowledge.js';
import type { PodController } from '../pod/controller.js';
import { pickPod } from '../pod/endpoints.js';
import type { OperationKind } from '../pod/operation.js';
import type { RunningOperation } from '../pod/running-operation.js';
import { describeStatus, type StatusView } from '../pod/status.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { parseCommand } from './parse.js';

export interface RouterDeps {
  controller: PodController;
  snapshots: SnapshotCache;
  store: Store;
  settings: PodSettings;
  clock: Clock;
  logger: Logger;
  /** Minimum time between two edits of a progress message. */
  progressIntervalMs: number;
  /** How stale a status answer may be. */
  statusMaxAgeMs: number;
  timeZone: string;
  /** The last lines of MONAI Label's log on the pod, already redacted. */
  readLog: (lines: number) => Promise<string>;
  keep: (surface: Surface, user: string, duration: '1h' | '4h' | 'tomorrow') => Promise<Message>;
  costs: () => Promise<Message>;
  /** Runs the checks, calling `report` as each result comes in. */
  doctor: (report: (results: readonly CheckResult[]) => void) => Promise<CheckResult[]>;
}

/**
 * Front-end-neutral command handling: Slack and the console both call handle(). It answers
 * quickly and returns the background work it started, which the console waits for.
 */
export class CommandRouter {
  /** Channels that already show a live message for an operation. */
  private readonly tracked = new Map<string, Set<string>>();

  constructor(private readonly deps: RouterDeps) {}

  async handle(ctx: CommandContext): Promise<{ work: Promise<void> }> {
    const command = parseCommand(ctx.text);
    const idle = { work: Promise.resolve() };
    try {
      switch (command.kind) {
        case 'help':
          await ctx.reply(helpMessage('member'));
          return idle;
        case 'invalid':
          await ctx.reply(helpMessage('member', command.reason));
          return idle;
        case 'status':
          await ctx.reply(await this.status());
          return idle;
        case 'start':
          return await this.lifecycle(ctx, 'start', {
            ...(command.newPod ? { newPod: true } : {}),
            ...(command.models ? { models: command.models } : {}),
          });
        case 'stop':
          return await this.lifecycle(ctx, 'stop', {});
        case 'restart':
          return await this.lifecycle(ctx, 'restart', { forceRestart: true });
        case 'logs':
          await ctx.reply(logMessage(await this.deps.readLog(command.lines), command.lines));
          return idle;
        case 'keep':
          await ctx.reply(await this.deps.keep(ctx.surface, ctx.user, command.duration));
          return idle;
        case 'costs':
          await ctx.reply(await this.deps.costs());
          return idle;
        case 'troubleshoot':
          await ctx.reply(troubleshootMessage(command.question));
          return idle;
        case 'doctor':
          return { work: this.doctor(ctx) };
      }
    } catch (error) {
      await this.replyError(ctx, asBotError(error));
      return idle;
    }
  }

  async status(): Promise<Message> {
    return statusMessage(await this.statusView(), this.deps.clock.now(), this.deps.timeZone);
  }

  async statusView(): Promise<StatusView> {
    const { snapshot, at } = await this.deps.snapshots.get(this.deps.statusMaxAgeMs);
    const registered = await this.deps.store.pods.get(this.deps.settings.name);
    const pod = pickPod(snapshot.pods, this.deps.settings.name, registered?.podId);
    const operation = this.deps.controller.active?.view ?? null;
    const now = this.deps.clock.now();
    const idleState = pod ? await this.deps.store.idle.get(pod.id) : null;
    const idle = idleState
      ? {
          idleMinutes: idleState.unknownSince === null ? Math.max(0, Math.floor((now - idleState.idleSince) / 60_000)) : null,
          keptUntil: idleState.keptUntil,
          keptBy: idleState.keptBy,
        }
      : null;
    return describeStatus({ podName: this.deps.settings.name, pod, account: snapshot.account, operation, asOf: at, idle });
  }

  /** Returns once the request is acknowledged; `work` settles when the operation ends. */
  private async lifecycle(ctx: CommandContext, kind: OperationKind, params: Record<string, unknown>): Promise<{ work: Promise<void> }> {
    const { op, joined, behind } = await this.deps.controller.request(kind, { user: ctx.user, channel: ctx.channel, name: ctx.userName }, params);
    this.deps.logger.info('lifecycle request', { operation: op.id, kind, user: ctx.user, channel: ctx.channel, joined });
    if (joined && this.tracked.get(op.id)?.has(ctx.channel)) {
      await ctx.reply(noticeMessage(`⏳ A ${kind} is already under way (requested by ${op.view.requestedBy.map(mention).join(', ')}); I added you to it. Progress is in the message above.`));
      return { work: op.done.then(() => undefined) };
    }
    if (behind) {
      await ctx.reply(noticeMessage(`Queued: your ${kind} runs after the ${behind.view.kind} requested by ${behind.view.requestedBy.map(mention).join(', ')}.`));
    }
    return { work: this.follow(op, ctx) };
  }

  /** The checks in one message, edited as each result comes in. */
  private async doctor(ctx: CommandContext): Promise<void> {
    const options = { clock: this.deps.clock, logger: this.deps.logger, minIntervalMs: this.deps.progressIntervalMs };
    let live: LiveMessage | null = null;
    try {
      live = await LiveMessage.post(ctx.surface, ctx.channel, doctorMessage(CHECKS.map((check) => ({ ...check, status: 'pending', detail: '' })), false), options);
    } catch (error) {
      await this.replyError(ctx, asBotError(error));
    }
    try {
      const results = await this.deps.doctor((progress) => live?.set(doctorMessage(progress, false)));
      if (live) await live.final(doctorMessage(results, true));
      else await ctx.reply(doctorMessage(results, true));
    } catch (error) {
      await this.replyError(ctx, asBotError(error));
    }
  }

  /** Posts a live message for the operation in the caller's channel and keeps it current. */
  async follow(op: RunningOperation, ctx: Pick<CommandContext, 'channel' | 'surface' | 'reply'>, existingTs?: string): Promise<void> {
    const channels = this.tracked.get(op.id) ?? new Set<string>();
    this.tracked.set(op.id, channels);
    channels.add(ctx.channel);
    const options = { clock: this.deps.clock, logger: this.deps.logger, minIntervalMs: this.deps.progressIntervalMs };
    let live: LiveMessage | null = null;
    try {
      live = existingTs
        ? new LiveMessage(ctx.surface, { channel: ctx.channel, ts: existingTs }, options)
        : await LiveMessage.post(ctx.surface, ctx.channel, operationMessage(op.view), options);
      if (!op.messageTs) await op.setMessage(ctx.channel, live.ref.ts);
    } catch (error) {
      // Not a member of the channel, or Slack refused: the caller still hears the outcome.
      this.deps.logger.warn('could not post a progress message', { operation: op.id, channel: ctx.channel, error });
      await ctx.reply(errorMessage(asBotError(error))).catch(() => undefined);
    }
    const unsubscribe = op.subscribe((view) => live?.set(operationMessage(view)));
    const final = await op.done;
    unsubscribe();
    channels.delete(ctx.channel);
    if (channels.size === 0) this.tracked.delete(op.id);
    if (live) await live.final(operationMessage(final));
    else await ctx.reply(operationMessage(final)).catch(() => undefined);
  }

  private async replyError(ctx: CommandContext, error: BotError): Promise<void> {
    if (error.code === 'INTERNAL') this.deps.logger.error('command failed', { user: ctx.user, error: error.cause });
    else this.deps.logger.warn('command failed', { user: ctx.user, code: error.code, reason: error.message });
    await ctx.reply(errorMessage(error));
  }
}
