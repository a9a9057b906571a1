import { CronJob, CronTime } from 'cron';
import type { CostSettings } from '../config/load.js';
import type { Auditor } from '../audit/audit.js';
import type { Digests } from '../app/digests.js';
import type { CostGuard } from '../costs/guard.js';
import type { Surface } from '../frontend/surface.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

/** The latest time the cron expression fired at or before `now` (searching back at most 8 days). */
export function previousRun(cron: string, zone: string, now: number): number | null {
  const time = new CronTime(cron, zone);
  let cursor = new Date(now - 8 * 24 * 3_600_000);
  let last: number | null = null;
  for (let step = 0; step < 20_000; step++) {
    const next = time.getNextDateFrom(cursor, zone).toMillis();
    if (next > now) break;
    last = next;
    cursor = new Date(next);
  }
  return last;
}

export function nextRun(cron: string, zone: string, now: number): number {
  return new CronTime(cron, zone).getNextDateFrom(new Date(now), zone).toMillis();
}

/**
 * Decides whether a digest was missed while the bot was down: the latest scheduled slot is newer
 * than the last digest sent and than the bot's first start, and no older than a day.
 */
export function missedDigest(input: { previous: number | null; lastSentFor: number | null; firstStart: number; now: number }): number | null {
  const { previous } = input;
  if (previous === null || previous < input.firstStart) return null;
  if (input.lastSentFor !== null && input.lastSentFor >= previous) return null;
  return input.now - previous <= 24 * 3_600_000 ? previous : null;
}

export interface SchedulerDeps {
  guard: CostGuard;
  digests: Digests;
  auditor: Auditor;
  store: Store;
  settings: CostSettings;
  clock: Clock;
  logger: Logger;
  /** Where scheduled digests go; none = no scheduled digest. */
  digestChannel: string | undefined;
  surface: Surface;
}

/** Runs the sampler every SAMPLE_MINUTES and the digest on DIGEST_CRON in DIGEST_TZ. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private digestJob: CronJob | null = null;
  private sampling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: SchedulerDeps) {}

  async start(firstSampleInMs = 10_000): Promise<void> {
    const { settings, store, clock, logger } = this.deps;
    const now = clock.now();
    if (!(await store.meta.get('first_start'))) await store.meta.set('first_start', String(now));
    this.schedule(firstSampleInMs);
    if (!this.deps.digestChannel) {
      logger.warn('DIGEST_CHANNEL is empty: no scheduled cost digest (/monai costs still works)');
      return;
    }
    const channel = this.deps.digestChannel;
    this.digestJob = CronJob.from({
      cronTime: settings.digestCron,
      timeZone: settings.timeZone,
      start: true,
      onTick: () => void this.sendDigest(channel, previousRun(settings.digestCron, settings.timeZone, clock.now()) ?? clock.now()),
    });
    const missed = missedDigest({
      previous: previousRun(settings.digestCron, settings.timeZone, now),
      lastSentFor: (await store.digests.last())?.scheduledFor ?? null,
      firstStart: Number(await store.meta.get('first_start')),
      now,
    });
    if (missed !== null) {
      logger.info('sending the digest missed while the bot was down', { scheduledFor: new Date(missed).toISOString() });
      await this.sendDigest(channel, missed);
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sampling = this.deps.guard
        .tick(this.deps.digestChannel)
        .catch((error: unknown) => {
          this.deps.logger.error('sampler pass failed', { error });
        })
        .finally(() => this.schedule(this.deps.settings.sampleMs));
    }, delay);
    this.timer.unref?.();
  }

  private async sendDigest(channel: string, scheduledFor: number): Promise<void> {
    const startedAt = this.deps.clock.now();
    let outcome = 'posted';
    try {
      await this.deps.digests.post(this.deps.surface, channel, scheduledFor);
    } catch (error) {
      outcome = 'failed';
      this.deps.logger.error('digest failed', { error });
    }
    await this.deps.auditor.record({ startedAt, actor: 'digest', kind: 'auto', channel, text: 'cost digest', podId: null, outcome });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.digestJob?.stop();
    await this.sampling;
  }
}
