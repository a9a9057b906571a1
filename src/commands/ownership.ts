import type { CommandContext } from '../frontend/surface.js';
import { adoptPrompt, newUrlPrompt } from '../messages/admin.js';
import { noticeMessage } from '../messages/common.js';
import { mention } from '../messages/lifecycle.js';
import { done, type Handled } from './handled.js';
import type { CommandRouter, RouterDeps } from './router.js';

/**
 * The two admin commands about whose pod and whose URL: a new secret path for the gate
 * (`/monai new-url`) and taking over a pod the bot did not deploy (`/monai adopt`). Both act only
 * from a confirmed button, bound to the pod that was shown.
 */

/**
 * A new secret URL: the token is replaced at once, the channel that uses the URL is told, and a
 * running pod's gate is restarted with it (the old URL then gets 404) through a start request,
 * whose message ends with the new URL.
 */
export async function replaceSecretUrl(router: CommandRouter, deps: RouterDeps, ctx: CommandContext, confirmed: boolean, named: string | undefined): Promise<Handled> {
  const { reconciler, installation, store, settings } = deps;
  if (!confirmed) {
    await ctx.reply(newUrlPrompt(settings.name, reconciler.pinnedPodId));
    return done('asked to confirm');
  }
  if (!(await router.boundTo(ctx, named, 'new-url'))) return done('refused: the pod changed');
  await installation.newGateToken();
  deps.logger.warn('the secret URL was replaced by an admin', { user: ctx.user });
  const status = await router.statusView();
  const active = reconciler.active;
  const running = status.state === 'ready' || status.state === 'mapping-ports' || status.state === 'initializing';
  const restarts = running && (!active || active.intent.kind === 'start' || active.intent.kind === 'restart');
  const usedIn = (await store.pods.get(settings.name))?.startedChannel ?? ctx.channel;
  const notice = `🔑 ${mention(ctx.user)} replaced the URL for 3D Slicer of *${settings.name}*: the old URL ${restarts ? 'stops working as soon as the gate on the pod restarts, in a few seconds' : 'no longer works'}. ${restarts ? 'The new one follows in the start message.' : 'The next `/monai start` posts the new one.'}`;
  await ctx.surface.post(usedIn, noticeMessage(notice)).catch((error: unknown) => deps.logger.warn('could not tell the channel about the new URL', { channel: usedIn, error }));
  if (usedIn !== ctx.channel) await ctx.reply(noticeMessage(notice));
  if (!restarts) return done('replaced');
  const handled = await router.lifecycle(ctx, { kind: 'start', models: [...(reconciler.models ?? deps.defaultModels)], newPod: false });
  return { ...handled, work: handled.work.then((outcome) => `replaced, ${outcome}`) };
}

/** Lets the bot manage a pod of its name that it did not deploy: only when it has none of its own, bound to the pod shown. */
export async function adoptPod(router: CommandRouter, deps: RouterDeps, ctx: CommandContext, confirmed: boolean, named: string | undefined): Promise<Handled> {
  const { settings, reconciler, installation, store, clock } = deps;
  const { located } = await router.locate(0);
  const candidates = located.namesakes.filter((pod) => located.foreign.has(pod.id));
  if (located.pod) {
    await ctx.reply(noticeMessage(`The bot already works with its own pod \`${located.pod.id}\` named ${settings.name}; it adopts another only when it has none. Nothing was done.`));
    return { ...done('refused: has a pod'), podId: () => located.pod!.id };
  }
  if (candidates.length === 0) {
    await ctx.reply(noticeMessage(`There is no pod named ${settings.name} that the bot did not deploy: nothing to adopt.`));
    return done('nothing to adopt');
  }
  if (!confirmed) {
    await ctx.reply(adoptPrompt(settings.name, candidates.map((pod) => ({ id: pod.id, status: pod.desiredStatus, gpu: pod.gpuDisplayName }))));
    return done('asked to confirm');
  }
  const target = candidates.find((pod) => pod.id === named);
  if (!target || reconciler.active) {
    const why = reconciler.active ? `a ${reconciler.active.intent.kind} is under way` : `pod \`${named ?? '?'}\` is not one of the pods named ${settings.name} that the bot could adopt now`;
    await ctx.reply(noticeMessage(`🚫 Nothing was adopted: ${why}. Run \`/monai adopt\` again to see the pods as they are now.`));
    return { ...done('refused'), ...(named ? { podId: () => named } : {}) };
  }
  await installation.adopt(target.id, ctx.user, clock.now());
  await store.pods.set({ podName: settings.name, podId: target.id, startedBy: null, startedAt: null, startedChannel: ctx.channel });
  deps.logger.warn('a pod the bot did not deploy was adopted by an admin', { podId: target.id, user: ctx.user });
  await ctx.reply(noticeMessage(`✅ Pod \`${target.id}\` is now the bot’s pod ${settings.name}. \`/monai start\` installs and starts MONAI Label on it, behind the gate, with the DICOMweb credentials.`));
  return { ...done('adopted'), podId: () => target.id };
}
