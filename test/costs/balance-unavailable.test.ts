/**
 * REST v2 has no balance: the bot reads it over GraphQL with the same key. When GraphQL fails or is
 * gone, /monai costs, the digest, /monai status and npm run check keep working and say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkRunPod } from '../../src/check/checks.js';
import { silentLogger } from '../../src/log.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { addOwnPod, runCommand, startHarness, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the balance over REST v2', () => {
  it('GraphQL gone: /monai costs says “balance unavailable from RunPod” and estimates from the last balance sampled, with its age', async () => {
    const clock = new FakeClock(Date.now());
    harness = await startHarness({ api: 'v2', bot: { clock } });
    await addOwnPod(harness, { name: 'monai-label', desiredStatus: 'RUNNING' });
    await harness.bot.guard.tick('C0LAB');
    const sampled = (await harness.store.samples.accounts(0)).at(-1)!;
    expect(sampled.balance).toBeGreaterThan(20);

    clock.advance(3 * 3_600_000);
    harness.sim.graphqlRetired = true;
    harness.bot.snapshots.invalidate();
    const { text } = await runCommand(harness, 'costs');

    expect(text).toContain('Balance unavailable from RunPod; ≈ $');
    expect(text).toContain('estimated from the last known balance, read 3 h ago');
    expect(text).not.toContain('Balance $0.00');
    expect(text).not.toContain('Something unexpected');
    // The sampler goes on without writing a made-up balance.
    await harness.bot.guard.tick('C0LAB');
    expect((await harness.store.samples.accounts(0)).map((sample) => sample.balance)).toEqual([sampled.balance]);
    expect((await runCommand(harness, 'status')).text).toContain('is running');
    expect(harness.logs()).toContain('balance unavailable from RunPod');
  });

  it('npm run check warns that the balance is unavailable but the key works', async () => {
    harness = await startHarness({ api: 'v2' });
    harness.sim.graphqlRetired = true;
    const result = await checkRunPod(harness.config, { logger: silentLogger(), timeoutMs: 2000 });
    expect(result.status).toBe('warn');
    expect(result.detail).toContain('the account answers on RunPod’s REST API v2 (RUNPOD_API=v2): 0 pods; balance unavailable from RunPod');

    harness.sim.graphqlRetired = false;
    expect((await checkRunPod(harness.config, { logger: silentLogger(), timeoutMs: 2000 })).status).toBe('pass');
  });
});
