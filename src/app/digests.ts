import type { CostSettings } from '../config/load.js';
import type { Surface } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import type { Message } from '../messages/blocks.js';
import { digestMessages } from '../messages/costs.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { inWindow } from '../util/zone.js';
import { buildDigest, type DigestView } from '../costs/digest.js';
import { isOurs, type Installation } from '../pod/installation.js';
import { DAY } from '../costs/math.js';

export interface DigestDeps {
  snapshots: SnapshotCache;
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: CostSettings;
  podName: string;
  installation: Installation;
}

/** Builds the digest (one RunPod read plus stored samples) and posts it: one message, details in its thread. */
export class Digests {
  constructor(private readonly deps: DigestDeps) {}

  async view(): Promise<DigestView> {
    const { store, clock, settings } = this.deps;
    const now = clock.now();
    const snapshot = await this.deps.snapshots.fetch();
    const since = now - 7 * DAY;
    const registered = await store.pods.get(this.deps.podName);
    // Without a balance from RunPod, the newest one sampled stands in, however old (it says its age).
    const lastKnownAccount = snapshot.account ? null : (await store.samples.accounts(now - settings.retentionDays * DAY)).at(-1) ?? null;
    const ownership = await this.deps.installation.ownership();
    const foreign = snapshot.pods.filter((pod) => pod.name === this.deps.podName && pod.id !== registered?.podId && pod.desiredStatus !== 'TERMINATED' && !isOurs(pod, ownership));
    return buildDigest({
      now,
      pods: snapshot.pods,
      account: snapshot.account,
      lastKnownAccount,
      // Samples older than a week only date a stop RunPod does not date (v2 has no lastStatusChange).
      podSamples: await store.samples.pods(now - Math.max(7, settings.staleDays + 1) * DAY),
      accountSamples: await store.samples.accounts(since),
      idle: await store.idle.all(),
      startedBy: new Map(registered?.startedBy ? [[registered.podId, registered.startedBy]] : []),
      foreign: new Set(foreign.map((pod) => pod.id)),
      sampleMs: settings.sampleMs,
      staleDays: settings.staleDays,
      runwayWarnDays: settings.runwayWarnDays,
    });
  }

  messages(view: DigestView): { summary: Message; details: Message } {
    const { settings } = this.deps;
    return digestMessages(view, settings.timeZone, inWindow(view.at, settings.timeZone, settings.quietHours));
  }

  /** `/monai costs`: the same digest, as one private message. */
  async privateMessage(): Promise<Message> {
    const { summary, details } = this.messages(await this.view());
    return { text: summary.text, blocks: [...summary.blocks, ...details.blocks] };
  }

  async post(surface: Surface, channel: string, scheduledFor: number): Promise<void> {
    const { summary, details } = this.messages(await this.view());
    const ref = await surface.post(channel, summary);
    await surface.post(channel, details, { threadTs: ref.ts });
    await this.deps.store.digests.record({ scheduledFor, sentAt: this.deps.clock.now(), channel, ts: ref.ts });
    this.deps.logger.info('digest posted', { channel, scheduledFor: new Date(scheduledFor).toISOString() });
  }
}
