import { afterEach, describe, expect, it } from 'vitest';
import { Installation } from '../../src/pod/installation.js';
import { eventually, runCommand, startHarness, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ADMIN = { ADMIN_USER_IDS: 'U0ADMIN' };

describe('whose pod: credentials and scripts go only to the bot’s own pods', () => {
  it('a same-named pod the bot did not deploy is reported in status and the digest, and /monai start neither configures it nor deploys beside it', async () => {
    harness = await startHarness({ env: ADMIN });
    const stranger = harness.sim.addPod({ name: 'monai-label', desiredStatus: 'RUNNING' });
    await eventually(() => stranger.runtime);

    const started = await runCommand(harness, 'start');
    expect(started.text).toContain(`A pod named monai-label exists that this bot did not deploy: \`${stranger.id}\` (running)`);
    expect(started.text).toContain('`/monai adopt`');
    expect(started.text).toContain('`/monai start new-pod`');
    expect(harness.sim.deployInputs).toEqual([]);
    expect(await harness.store.pods.get('monai-label')).toBeNull();

    const status = await runCommand(harness, 'status');
    expect(status.text).toContain(`pod \`${stranger.id}\`, running and billing $0.69/hr. This bot did not deploy it: it is reported, never configured`);
    expect(status.text).not.toContain('Paste into');
    const costs = await runCommand(harness, 'costs');
    expect(costs.text).toContain(`Pod \`${stranger.id}\` is named *monai-label* but this bot did not deploy it`);
    const doctor = await harness.bot.doctor(() => {});
    expect(doctor.find((result) => result.id === 'pod')?.detail).toContain('were not deployed by this bot');
  });

  it('a stopped stranger is not resumed; an admin adopts it explicitly (bound to that pod), then /monai start uses it', async () => {
    harness = await startHarness({ env: ADMIN });
    const stranger = harness.sim.addPod({ name: 'monai-label', desiredStatus: 'EXITED' });

    expect((await runCommand(harness, 'start')).text).toContain('did not deploy');
    expect(harness.sim.callsTo('resume')).toEqual([]);

    expect((await runCommand(harness, 'adopt', undefined, { user: 'U0ALICE' })).text).toContain('Only the bot’s admins can run `/monai adopt`');
    const prompt = await runCommand(harness, 'adopt', undefined, { user: 'U0ADMIN' });
    expect(prompt.text).toContain(`[Adopt ${stranger.id}…] → type: /monai adopt pod=${stranger.id} confirmed`);
    expect(prompt.text).toContain('send it the DICOMweb (Orthanc) credentials');
    expect(await harness.store.pods.get('monai-label')).toBeNull();
    expect((await runCommand(harness, 'adopt pod=someotherpod01 confirmed', undefined, { user: 'U0ADMIN', origin: 'button' })).text).toContain('Nothing was adopted');

    const adopted = await runCommand(harness, `adopt pod=${stranger.id} confirmed`, undefined, { user: 'U0ADMIN', origin: 'button' });
    expect(adopted.text).toContain(`Pod \`${stranger.id}\` is now the bot’s pod monai-label`);
    const started = await runCommand(harness, 'start');
    expect(started.text).toContain('monai-label is ready');
    expect(harness.sim.callsTo('resume')).toHaveLength(1);
    expect(harness.sim.deployInputs).toEqual([]);
    expect((await runCommand(harness, 'adopt', undefined, { user: 'U0ADMIN' })).text).toContain('already works with its own pod');
  });

  it('/monai start new-pod deploys a pod of the bot’s own beside a stranger, marked as the bot’s', async () => {
    harness = await startHarness();
    harness.sim.addPod({ name: 'monai-label', desiredStatus: 'EXITED' });
    const started = await runCommand(harness, 'start new-pod confirmed', undefined, { origin: 'console' });
    expect(started.text).toContain('monai-label is ready');
    expect(harness.sim.deployRequests[0]?.env).toContainEqual({ key: 'MONAI_POD_BOT_OWNER', value: await harness.bot.installation.installationId() });
  });
});

describe('the installation’s mark and its secret', () => {
  it('keeps its id and token in the database; a pod pinned before pods were marked stays the bot’s', async () => {
    harness = await startHarness();
    await harness.store.pods.set({ podName: 'monai-label', podId: 'legacypod0001', startedBy: 'U0ALICE', startedAt: 1, startedChannel: 'C0LAB' });
    const fresh = new Installation({ meta: harness.store.meta, pods: harness.store.pods, podName: 'monai-label' });
    const ownership = await fresh.ownership();
    expect(ownership.adopted.has('legacypod0001')).toBe(true);
    expect(ownership.installationId).toMatch(/^[0-9a-f]{24}$/);
    const token = await fresh.gateToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(24);
    const again = new Installation({ meta: harness.store.meta, pods: harness.store.pods, podName: 'monai-label' });
    expect(await again.installationId()).toBe(ownership.installationId);
    expect(await again.gateToken()).toBe(token);
    expect(await again.newGateToken()).not.toBe(token);
    expect(await new Installation({ meta: harness.store.meta, pods: harness.store.pods, podName: 'monai-label' }).gateToken()).not.toBe(token);
  });
});
