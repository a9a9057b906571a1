import type { Auditor } from '../audit/audit.js';
import type { LiveMessages } from '../commands/live.js';
import type { Surface } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import { noticeMessage } from '../messages/common.js';
import type { Pod } from '../runpod/api.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { formatMoney } from '../util/format.js';
import type { PodController } from './controller.js';

export interface RecoveryDeps {
  controller: PodController;
  live: LiveMessages;
  snapshots: SnapshotCache;
  store: Store;
  auditor: Auditor;
  clock: Clock;
  logger: Logger;
  surface: Surface;
  /** Where to report when an operation has no channel of its own (DIGEST_CHANNEL, or the console). */
  channel: string | undefined;
  podName: string;
}

export function strayNotice(pod: Pod, managedName: string): string {
  const what = `${pod.gpuDisplayName ?? 'GPU'}, ${formatMoney(pod.costPerHr)}/hr`;
  return pod.name === managedName
    ? `⚠️ *${pod.name}* is running (${what}) but was not started through this bot — perhaps from the RunPod console. It bills until someone stops it: \`/monai status\` shows it, \`/monai stop\` stops it.`
    : `⚠️ *${pod.name}* (\`${pod.id}\`) is running on this RunPod account (${what}) and was not started through this bot. It bills until someone stops it in the RunPod console.`;
}

/**
 * On start: carry on with whatever a previous run of the bot left unfinished, editing the original
 * messages, and say so about any pod that runs without the bot having started it.
 */
export async function recover(deps: RecoveryDeps): Promise<Promise<unknown>[]> {
  const work: Promise<unknown>[] = [];
  const unfinished = await deps.store.operations.unfinished();
  for (const op of deps.controller.resume(unfinished)) {
    const channel = op.channel ?? deps.channel;
    deps.logger.info('resuming an operation left unfinished', { operation: op.id, kind: op.view.kind, channel });
    await deps.auditor.record({ actor: 'recovery', kind: 'auto', channel: channel ?? null, text: `resume ${op.view.kind}`, podId: op.view.pod?.id ?? null, outcome: 'resumed' });
    if (!channel) continue;
    const reply = async (message: Parameters<Surface['post']>[1]) => {
      await deps.surface.post(channel, message);
    };
    work.push(deps.live.follow(op, { channel, surface: deps.surface, reply }, op.channel === channel ? op.messageTs ?? undefined : undefined));
  }
  try {
    const snapshot = await deps.snapshots.fetch();
    const registered = await deps.store.pods.get(deps.podName);
    const resuming = new Set(unfinished.map((record) => record.memory['podId']).filter(Boolean));
    for (const pod of snapshot.pods) {
      if (pod.desiredStatus !== 'RUNNING' || resuming.has(pod.id)) continue;
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
  return work;
}
