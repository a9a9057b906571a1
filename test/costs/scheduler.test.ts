import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers/fake-clock.js';
import { RecordingSurface, runCommand, startHarness, textOf, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the scheduled digest', () => {
  it('sends a digest missed while the bot was down once, as one message with details in its thread', async () => {
    const clock = new FakeClock(Date.parse('2026-11-28T08:00:00Z'));
    harness = await startHarness({ simulator: { clock }, bot: { clock }, env: { DIGEST_TZ: 'UTC', DIGEST_CRON: '0 19 * * *', DIGEST_CHANNEL: 'C0COSTS' } });
    harness.sim.addPod({ name: 'old-training', volumeInGb: 50 });
    await harness.store.meta.set('first_start', String(Date.parse('2026-11-20T00:00:00Z')));
    await harness.store.digests.record({ scheduledFor: Date.parse('2026-11-26T19:00:00Z'), sentAt: 0, channel: 'C0COSTS', ts: '1' });
    const surface = new RecordingSurface();

    // The bot starts, stops, and starts again: the missed digest goes out once.
    await harness.bot.start(surface, 'C0COSTS', { firstSampleInMs: 3_600_000 });
    await harness.bot.close();
    await harness.bot.start(surface, 'C0COSTS', { firstSampleInMs: 3_600_000 });
    await harness.bot.close();

    const top = surface.posts.filter((post) => !post.threadTs);
    expect(top).toHaveLength(1);
    expect(top[0]!.ref.channel).toBe('C0COSTS');
    expect(textOf(top[0]!.versions[0]!)).toContain('RunPod costs — Sat 28 Nov, 08:00');
    const thread = surface.posts.filter((post) => post.threadTs === top[0]!.ref.ts);
    expect(textOf(thread[0]!.versions[0]!)).toContain('• *old-training* — 50 GB volume · $10.00/month');
    expect((await harness.store.digests.last())?.scheduledFor).toBe(Date.parse('2026-11-27T19:00:00Z'));
    expect(await harness.store.audit.recent(5)).toMatchObject([{ actor: 'digest', kind: 'auto', text: 'cost digest', channel: 'C0COSTS', outcome: 'posted' }]);
  });

  it('answers /monai costs privately with the same digest', async () => {
    harness = await startHarness({ env: { DIGEST_TZ: 'UTC' } });
    harness.sim.addPod({ name: 'monai-label', volumeInGb: 30 });
    const { surface, text } = await runCommand(harness, 'costs');
    expect(surface.posts).toHaveLength(0);
    expect(text).toContain('RunPod costs');
    expect(text).toContain('*Stopped pods*\n• *monai-label* — 30 GB volume · $6.00/month');
    expect(text).toContain('Balance $25.00');
  });

  it('refuses to keep a pod that is not running', async () => {
    harness = await startHarness();
    const { text } = await runCommand(harness, 'keep 4h');
    expect(text).toContain('monai-label is not running: there is nothing to keep.');
  });
});
