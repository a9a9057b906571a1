import type { Auditor } from '../audit/audit.js';
import type { LiveMessages } from '../commands/live.js';
import type { Surface } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import { noticeMessage } from '../messages/common.js';
import { operationMessage } from '../messages/lifecycle.js';
import { isGone } from '../pod/identity.js';
import type { Recovered } from '../pod/reconciler.js';
import type { Pod } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { escapeSlack, formatMoney } from '../util/format.js';

export interface RecoveryNoticeDeps {
  live: LiveMessages;
  snapshots: SnapshotCache;
  store: Store;
  auditor: Auditor;
  clock: Clock;
  logger: Logger;
  surface: Surface;
  /** Where to report when a request has no channel of its own (DIGEST_CHANNEL, or the console). */
  channel: string | undefined;
  podName: string;
}

export function strayNotice(pod: Pod, managedName: string): string {
  const what = `${escapeSlack(pod.gpuDisplayName ?? 'GPU')}, ${formatMoney(pod.costPerHr)}/hr`;
  const name = `*${escapeSlack(pod.name)}* (\`${escapeSlack(pod.id)}\`)`;
  return pod.name === managedName
    ? `⚠️ ${name} is running (${what}) but was not started through this bot — perhaps from the RunPod console. It bills until someone stops it: \`/monai status\` shows it, \`/monai stop\` stops it. The bot configures only pods it deployed or an admin adopted (\`/monai adopt\`).`
    : `⚠️ ${name} is running on this RunPod account (${what}) and was not started through this bot. It bills until someone stops it in the RunPod console.`;
}

/**
 * What people see after a restart of the bot: resumed requests go on in their own messages,
 * abandoned ones say so there and in the channel, and pods running outside the bot are named.
 */
export async function announceRecovery(deps: RecoveryNoticeDeps, recovered: Recovered): Promise<Promise<unknown>[]> {
  const work: Promise<unknown>[] = [];
  for (const request of recovered.resumed) {
    const channel = request.channel ?? deps.channel;
    deps.logger.info('resuming a request left unfinished', { request: request.id, kind: request.view.kind, channel });
    await deps.auditor.record({ actor: 'recovery', kind: 'auto', channel: channel ?? null, text: `resume ${request.view.kind}`, podId: request.view.pod?.id ?? null, outcome: 'resumed' });
    if (!channel) continue;
    const reply = async (message: Parameters<Surface['post']>[1]) => {
      await deps.surface.post(channel, message);
    };
    work.push(deps.live.follow(request, { channel, surface: deps.surface, reply }, request.channel === channel ? (request.messageTs ?? undefined) : undefined));
  }
  for (const request of recovered.abandoned) {
    const channel = request.channel ?? deps.channel;
    deps.logger.warn('a request left unfinished was not carried on', { request: request.id, kind: request.view.kind });
    await deps.auditor.record({ actor: 'recovery', kind: 'auto', channel: channel ?? null, text: `abandon ${request.view.kind}`, podId: request.view.pod?.id ?? null, outcome: 'abandoned' });
    if (!channel) continue;
    try {
      if (request.messageTs && request.channel) await deps.surface.update({ channel: request.channel, ts: request.messageTs }, operationMessage(request.view), { final: true });
      else await deps.surface.post(channel, operationMessage(request.view));
    } catch (error) {
      deps.logger.warn('could not report an abandoned request', { request: request.id, error });
    }
  }
  await reportStrays(deps);
  return work;
}

async function reportStrays(deps: RecoveryNoticeDeps): Promise<void> {
  try {
    const snapshot = await deps.snapshots.fetch();
    const registered = await deps.store.pods.get(deps.podName);
    for (const pod of snapshot.pods) {
      if (isGone(pod) || pod.desiredStatus !== 'RUNNING') continue;
      if (registered?.podId === pod.id && registered.startedBy) continue;
      // Once per container start, not on every restart of the bot.
      const boot = Math.round((deps.clock.now() - (pod.runtime?.uptimeSeconds ?? 0) * 1000) / 600_000);
      const key = `stray:${pod.id}`;
      if ((await deps.store.meta.get(key)) === String(boot)) continue;
      await deps.store.meta.set(key, String(boot));
      deps.logger.warn('a pod runs that the bot did not start', { podId: pod.id, name: pod.name });
      await deps.auditor.record({ actor: 'recovery', kind: 'auto', channel: deps.channel ?? null, text: `noticed ${pod.name} running`, podId: pod.id, outcome: 'reported' });
      if (deps.channel) await deps.surface.post(deps.channel, noticeMessage(strayNotice(pod, deps.podName)));
    }
  } catch (error) {
    deps.logger.warn('could not look for pods running outside the bot', { error });
  }
}
