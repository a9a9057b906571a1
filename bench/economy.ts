import { fixedServices } from '../src/runpod/simulator/services.js';
import { RecordingSurface, startHarness, type RunPodApiName } from '../test/helpers/harness.js';
import type { Figure } from './stats.js';

/**
 * How many RunPod calls the bot makes for a busy channel, a digest and a sampler pass. Over v2 a
 * read is two calls (the pods over v2, the balance over GraphQL); over GraphQL it is one.
 */
export async function apiEconomy(api: RunPodApiName): Promise<Figure[]> {
  // The adapter as in production: a balance read is reused for a minute.
  const harness = await startHarness({ api, logLevel: 'info', runpod: { balanceMaxAgeMs: 60_000 }, simulator: { runtimeDelayMs: 1, services: fixedServices(new Map()) } });
  try {
    harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
    const surface = new RecordingSurface();
    await harness.bot.start(surface, undefined, { firstSampleInMs: 24 * 3_600_000 });
    const reads = () => harness.sim.calls.length;

    // A running bot has read RunPod already (recovery at start-up, then the sampler): the burst
    // starts from that read. From cold, v2 adds one balance read to the burst.
    await harness.bot.snapshots.fetch();
    const beforeStatus = reads();
    for (let index = 0; index < 100; index++) {
      const { work } = await harness.bot.router.handle({
        user: `U0USER${index % 20}`,
        channel: 'C0LAB',
        origin: 'slash',
        text: 'status',
        surface,
        reply: async () => {},
      });
      await work;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const statusCalls = reads() - beforeStatus;

    for (let index = 0; index < 49; index++) {
      harness.sim.addPod({ name: `pod-${index}`, desiredStatus: index % 3 === 0 ? 'RUNNING' : 'EXITED', volumeInGb: 20 + index });
    }
    harness.bot.snapshots.invalidate();
    const beforeDigest = reads();
    await harness.bot.digests.privateMessage();
    const digestCalls = reads() - beforeDigest;

    const beforeSample = reads();
    await harness.bot.guard.tick('C0LAB');
    const sampleCalls = reads() - beforeSample;

    return [
      { name: `RunPod calls for 100 /monai status in 10 s on a running bot (${api})`, value: statusCalls, unit: '', target: '≤ 2', ok: statusCalls <= 2 },
      { name: `RunPod calls for a digest over 50 pods (${api})`, value: digestCalls, unit: '', target: '≤ 2', ok: digestCalls <= 2 },
      { name: `RunPod calls for a sampler pass over 50 pods (${api})`, value: sampleCalls, unit: '', target: '≤ 2', ok: sampleCalls <= 2 },
    ];
  } finally {
    await harness.close();
  }
}
