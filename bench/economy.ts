import { fixedServices } from '../src/runpod/simulator/services.js';
import { RecordingSurface, startHarness } from '../test/helpers/harness.js';
import type { Figure } from './stats.js';

/** How many RunPod calls the bot makes for a busy channel, a digest and a sampler pass. */
export async function apiEconomy(): Promise<Figure[]> {
  const harness = await startHarness({ logLevel: 'info', simulator: { runtimeDelayMs: 1, services: fixedServices(new Map()) } });
  try {
    harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
    const surface = new RecordingSurface();
    await harness.bot.start(surface, undefined, { firstSampleInMs: 24 * 3_600_000 });
    const reads = () => harness.sim.calls.length;

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
      { name: 'RunPod calls for 100 /monai status in 10 s', value: statusCalls, unit: '', target: '≤ 2', ok: statusCalls <= 2 },
      { name: 'RunPod calls for a digest over 50 pods', value: digestCalls, unit: '', target: '≤ 2', ok: digestCalls <= 2 },
      { name: 'RunPod calls for a sampler pass over 50 pods', value: sampleCalls, unit: '', target: '≤ 2', ok: sampleCalls <= 2 },
    ];
  } finally {
    await harness.close();
  }
}
