import type { Auditor } from '../audit/audit.js';
import type { AccessSettings, PodSettings } from '../config/load.js';
import type { CheckResult } from '../doctor/doctor.js';
import { asBotError, type BotError } from '../errors.js';
import type { CommandContext } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import { forgetHostKeyPrompt, historyMessage, newPodPrompt, refusalMessage, terminatePrompt } from '../messages/admin.js';
import type { Message } from '../messages/blocks.js';
import { errorMessage, helpMessage, logMessage, noticeMessage } from '../messages/common.js';
import { troubleshootMessage } from '../messages/knowledge.js';
import { keptMessage } from '../messages/costs.js';
import { mention } from '../messages/lifecycle.js';
import { statusMessage } from '../messages/status.js';
import type { KeepOutcome } from '../costs/guard.js';
import type { Intent } from '../pod/desired.js';
import type { Installation } from '../pod/installation.js';
import { locatePod, type LocatedPod } from '../pod/locate.js';
import type { PodReconciler } from '../pod/reconciler.js';
import { describeStatus, type StatusView } from '../pod/status.js';
import type { RunPodApi } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { allowedCommands, authorize, type Caller } from './access.js';
import type { CommandName } from './catalog.js';
import { done, type Handled } from './handled.js';
import { LiveMessages } from './live.js';
import { adoptPod, replaceSecretUrl } from './ownership.js';
import { parseCommand, type Command } from './parse.js';

export interface RouterDeps {
  reconciler: PodReconciler;
  /** The bot's mark on its pods, adoptions, and the secret URL's token. */
  installation: Installation;
  runpod: RunPodApi;
  snapshots: SnapshotCache;
  store: Store;
  settings: PodSettings;
  /** The models a plain `/monai start` asks for. */
  defaultModels: readonly string[];
  access: AccessSettings;
  auditor: Auditor;
  clock: Clock;
  logger: Logger;
  /** Minimum time between two edits of a progress message. */
  progressIntervalMs: number;
  /** How stale a status answer may be. */
  statusMaxAgeMs: number;
  timeZone: string;
  /** Scrubs secrets from text that came from outside (RunPod's log). */
  redact: (text: string) => string;
  /** The last lines of MONAI Label's log on the pod, already redacted. */
  readLog: (lines: number) => Promise<string>;
  keep: (user: string, duration: '1h' | '4h' | 'tomorrow') => Promise<KeepOutcome>;
  costs: () => Promise<Message>;
  /** Runs the checks, calling `report` as each result comes in. */
  doctor: (report: (results: readonly CheckResult[]) => void) => Promise<CheckResult[]>;
}

/**
 * Front-end-neutral command handling: Slack and the console both call handle(). It checks who may
 * do what, answers quickly, audits every request, and returns the background work it started
 * (which the console waits for).
 */
export class CommandRouter {
  readonly live: LiveMessages;

  constructor(private readonly deps: RouterDeps) {
    this.live = new LiveMessages({ clock: deps.clock, logger: deps.logger, minIntervalMs: deps.progressIntervalMs });
  }

  async handle(ctx: CommandContext): Promise<{ work: Promise<void> }> {
    const startedAt = this.deps.clock.now();
    const command = parseCommand(ctx.text);
    const caller: Caller = { user: ctx.user, channel: ctx.channel, origin: ctx.origin };
    let handled: Handled;
    try {
      handled = await this.dispatch(ctx, command, caller);
    } catch (error) {
      const failure = asBotError(error);
      await this.replyError(ctx, failure);
      handled = done(`failed:${failure.code}`);
    }
    const work = handled.work
      .catch((error: unknown) => `failed:${asBotError(error).code}`)
      .then((outcome) =>
        this.deps.auditor.record({
          startedAt,
          actor: ctx.user,
          channel: ctx.channel,
          kind: ctx.origin === 'button' || ctx.origin === 'home' ? 'button' : 'command',
          text: ctx.text.trim(),
          podId: handled.podId?.() ?? null,
          outcome,
        }),
      );
    return { work };
  }

  private async dispatch(ctx: CommandContext, command: Command, caller: Caller): Promise<Handled> {
    if (command.kind !== 'invalid') {
      const decision = authorize(this.deps.access, caller, command.kind as CommandName);
      if (!decision.allowed) {
        this.deps.logger.warn('request refused', { user: ctx.user, channel: ctx.channel, command: command.kind, origin: ctx.origin });
        await ctx.reply(refusalMessage(decision.reason));
        return done('refused');
      }
    }
    if (ctx.claim) {
      const earlier = await ctx.claim();
      if (earlier) {
        this.deps.logger.info('button already used', { user: ctx.user, first: earlier.user, text: ctx.text });
        await ctx.reply(noticeMessage(`That button was already used by ${earlier.user === ctx.user ? 'you' : mention(earlier.user)}; it acts once.`));
        return done('already used');
      }
    }
    // Destructive or costly: only a button (after Slack's own confirmation) or an explicit console "confirmed" acts.
    const confirmed = ctx.origin === 'button' || (ctx.origin === 'console' && 'confirmed' in command && command.confirmed === true);
    switch (command.kind) {
      case 'help':
        await ctx.reply(helpMessage(allowedCommands(this.deps.access, caller)));
        return done();
      case 'invalid':
        await ctx.reply(helpMessage(allowedCommands(this.deps.access, caller), command.reason));
        return done('invalid');
      case 'status':
        await ctx.reply(await this.status());
        return done();
      case 'start':
        if (command.newPod && !confirmed) {
          await ctx.reply(newPodPrompt(this.deps.settings.name, this.deps.reconciler.pinnedPodId));
          return done('asked to confirm');
        }
        if (!(await this.boundTo(ctx, command.pod, 'start new-pod'))) return done('refused: the pod changed');
        return this.lifecycle(ctx, { kind: 'start', models: command.models ?? [...this.deps.defaultModels], newPod: command.newPod });
      case 'stop':
        if (!(await this.boundTo(ctx, command.pod, 'stop'))) return done('refused: the pod changed');
        return this.lifecycle(ctx, { kind: 'stop' });
      case 'restart':
        return this.lifecycle(ctx, { kind: 'restart', models: [...(this.deps.reconciler.models ?? this.deps.defaultModels)] });
      case 'terminate':
        return this.terminate(ctx, confirmed, command.pod);
      case 'forget-host-key':
        return this.forgetHostKey(ctx, confirmed);
      case 'new-url':
        return replaceSecretUrl(this, this.deps, ctx, confirmed, command.pod);
      case 'adopt':
        return adoptPod(this, this.deps, ctx, confirmed, command.pod);
      case 'logs':
        await ctx.reply(logMessage(await this.deps.readLog(command.lines), command.lines));
        return done();
      case 'keep':
        await ctx.reply(keptMessage(await this.deps.keep(ctx.user, command.duration), this.deps.settings.name, this.deps.timeZone));
        return done();
      case 'costs':
        await ctx.reply(await this.deps.costs());
        return done();
      case 'history':
        await ctx.reply(historyMessage(await this.deps.auditor.recent(20), this.deps.timeZone));
        return done();
      case 'troubleshoot':
        await ctx.reply(troubleshootMessage(command.question));
        return done();
      case 'doctor': {
        const work = this.live.doctor(ctx, this.deps.doctor).then((results) => {
          const broken = results.find((result) => result.status === 'fail');
          return broken ? `failed at ${broken.id}` : 'all checks passed';
        });
        return { work };
      }
    }
  }

  async status(): Promise<Message> {
    return statusMessage(await this.statusView(), this.deps.clock.now(), this.deps.timeZone);
  }

  async locate(maxAgeMs: number): Promise<{ located: LocatedPod; at: number; snapshot: Awaited<ReturnType<SnapshotCache['get']>>['snapshot'] }> {
    const { snapshot, at } = await this.deps.snapshots.get(maxAgeMs);
    const { runpod, store, installation } = this.deps;
    return { located: await locatePod({ runpod, pods: store.pods, podName: this.deps.settings.name, installation }, snapshot), at, snapshot };
  }

  async statusView(): Promise<StatusView> {
    const { located, at, snapshot } = await this.locate(this.deps.statusMaxAgeMs);
    const pod = located.pod;
    const now = this.deps.clock.now();
    const idleState = pod ? await this.deps.store.idle.get(pod.id) : null;
    const idle = idleState
      ? {
          idleMinutes: idleState.unknownSince === null ? Math.max(0, Math.floor((now - idleState.idleSince) / 60_000)) : null,
          keptUntil: idleState.keptUntil,
          keptBy: idleState.keptBy,
        }
      : null;
    const runpodLog = pod?.desiredStatus === 'ERROR' ? await this.runpodLog(pod.id) : null;
    return describeStatus({
      podName: this.deps.settings.name,
      pod,
      runpodLog,
      namesakes: located.namesakes,
      foreign: located.foreign,
      gateToken: await this.deps.installation.gateToken(),
      unconfirmedDeploySentAt: this.deps.reconciler.pendingDeploy?.sentAt ?? null,
      account: snapshot.account,
      operation: this.deps.reconciler.active?.view ?? null,
      asOf: at,
      idle,
    });
  }

  /** RunPod's last lines for a pod in ERROR, redacted; null when RunPod has none to give. */
  private async runpodLog(podId: string): Promise<string[] | null> {
    try {
      const lines = await this.deps.runpod.logs(podId, 10);
      return lines ? this.deps.redact(lines.join('\n')).split('\n') : null;
    } catch (error) {
      this.deps.logger.warn('could not read RunPod’s log for a pod in ERROR', { podId, error });
      return null;
    }
  }

  /**
   * A button carries the pod it was shown for: pressed after the bot's pod changed, it is refused
   * with both pods named, never applied to the other one.
   */
  async boundTo(ctx: CommandContext, named: string | undefined, verb: string): Promise<boolean> {
    const current = this.deps.reconciler.pinnedPodId;
    if (named === undefined || named === current) return true;
    this.deps.logger.warn('refused a button for another pod', { user: ctx.user, named, current, verb });
    await ctx.reply(
      noticeMessage(
        `🚫 That button was for pod \`${named}\`, but the bot’s pod is now ${current ? `\`${current}\`` : 'none'}: it changed after the button was shown. Nothing was done. Run \`/monai ${verb}\` again if you still want it for the pod as it is now.`,
      ),
    );
    return false;
  }

  /** Returns once the request is acknowledged; `work` settles when the reconciler is done with it. */
  async lifecycle(ctx: CommandContext, intent: Intent): Promise<Handled> {
    const { request, joined } = await this.deps.reconciler.want(intent, { user: ctx.user, channel: ctx.channel, name: ctx.userName });
    this.deps.logger.info('lifecycle request', { request: request.id, kind: intent.kind, user: ctx.user, channel: ctx.channel, joined });
    const outcome = (view: { phase: string; error: { code: string } | null }) => (view.error ? `${view.phase}:${view.error.code}` : view.phase);
    if (joined && this.live.isTracked(request, ctx.channel)) {
      await ctx.reply(noticeMessage(`⏳ A ${intent.kind} is already under way (requested by ${request.view.requestedBy.map(mention).join(', ')}); I added you to it. Progress is in the message above.`));
      return { work: request.done.then((view) => `joined, ${outcome(view)}`), podId: () => request.view.pod?.id ?? null };
    }
    return { work: this.live.follow(request, ctx).then((view) => outcome(view)), podId: () => request.view.pod?.id ?? null };
  }

  private async terminate(ctx: CommandContext, confirmed: boolean, named: string | undefined): Promise<Handled> {
    const {
      located: { pod },
    } = await this.locate(0);
    if (!confirmed) {
      if (!pod) {
        await ctx.reply(noticeMessage(`There is no pod named ${this.deps.settings.name}: nothing to terminate.`));
        return done('no pod');
      }
      await ctx.reply(terminatePrompt(pod.name, pod.id, pod.volumeInGb));
      return { ...done('asked to confirm'), podId: () => pod.id };
    }
    const target = named ?? pod?.id;
    if (!target) {
      await ctx.reply(noticeMessage(`There is no pod named ${this.deps.settings.name}: nothing to terminate.`));
      return done('no pod');
    }
    // The pod the prompt named, and only while it is still the bot's pod.
    if (target !== pod?.id) {
      await ctx.reply(
        noticeMessage(
          `🚫 The prompt was for pod \`${target}\`, but the bot’s pod is now ${pod ? `\`${pod.id}\`` : 'none'}: it changed after the prompt was shown. Nothing was terminated. Run \`/monai terminate\` again to see the pod as it is now.`,
        ),
      );
      return { ...done('refused: the pod changed'), podId: () => target };
    }
    return { ...(await this.lifecycle(ctx, { kind: 'terminate', podId: target })), podId: () => target };
  }

  private async forgetHostKey(ctx: CommandContext, confirmed: boolean): Promise<Handled> {
    const registered = await this.deps.store.pods.get(this.deps.settings.name);
    const known = registered ? await this.deps.store.hostKeys.get(registered.podId) : null;
    if (!registered || !known) {
      await ctx.reply(noticeMessage('The bot remembers no SSH host key for the pod: nothing to forget.'));
      return done('nothing to forget');
    }
    if (!confirmed) {
      await ctx.reply(forgetHostKeyPrompt(registered.podId, known.fingerprint));
      return { ...done('asked to confirm'), podId: () => registered.podId };
    }
    await this.deps.store.hostKeys.forget(registered.podId);
    this.deps.logger.warn('SSH host key forgotten by an admin', { podId: registered.podId, fingerprint: known.fingerprint, user: ctx.user });
    await ctx.reply(noticeMessage(`Forgot \`${known.fingerprint}\` for pod \`${registered.podId}\`. The next SSH connection remembers the key it sees.`));
    return { ...done('forgotten'), podId: () => registered.podId };
  }

  private async replyError(ctx: CommandContext, error: BotError): Promise<void> {
    if (error.code === 'INTERNAL') this.deps.logger.error('command failed', { user: ctx.user, error: error.cause });
    else this.deps.logger.warn('command failed', { user: ctx.user, code: error.code, reason: error.message });
    await ctx.reply(errorMessage(error)).catch(() => undefined);
  }
}


