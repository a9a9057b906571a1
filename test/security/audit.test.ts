import { afterEach, describe, expect, it } from 'vitest';
import { runCommand, startHarness, type Harness } from '../helpers/harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the audit trail', () => {
  it('records every command with who, where, what, the pod, the outcome and how long it took', async () => {
    harness = await startHarness({ env: { DIGEST_TZ: 'UTC' } });
    await runCommand(harness, 'start', undefined, { user: 'U0ALICE' });
    await runCommand(harness, 'status', undefined, { user: 'U0BOB', channel: 'C0OTHER' });
    await runCommand(harness, 'stop now please', undefined, { user: 'U0BOB' });
    await runCommand(harness, 'stop', undefined, { user: 'U0BOB', origin: 'button' });

    const entries = await harness.store.audit.recent(10);
    const podId = harness.sim.podByName('monai-label')!.id;
    expect(entries.map(({ actor, channel, kind, text, podId: pod, outcome }) => ({ actor, channel, kind, text, pod, outcome }))).toEqual([
      { actor: 'U0BOB', channel: 'C0LAB', kind: 'button', text: 'stop', pod: podId, outcome: 'succeeded' },
      { actor: 'U0BOB', channel: 'C0LAB', kind: 'command', text: 'stop now please', pod: null, outcome: 'invalid' },
      { actor: 'U0BOB', channel: 'C0OTHER', kind: 'command', text: 'status', pod: null, outcome: 'ok' },
      { actor: 'U0ALICE', channel: 'C0LAB', kind: 'command', text: 'start', pod: podId, outcome: 'succeeded' },
    ]);
    expect(entries[3]!.durationMs).toBeGreaterThan(0);
    const logged = harness.logs().split('\n').filter((line) => line.includes('"message":"audit"'));
    expect(logged).toHaveLength(4);
    expect(JSON.parse(logged[0]!)).toMatchObject({ actor: 'U0ALICE', text: 'start', outcome: 'succeeded', channel: 'C0LAB' });
  });

  it('shows the last 20 privately with /monai history', async () => {
    harness = await startHarness({ env: { DIGEST_TZ: 'UTC' } });
    for (let index = 0; index < 22; index++) await runCommand(harness, 'help', undefined, { user: 'U0ALICE' });
    const { surface, text } = await runCommand(harness, 'history', undefined, { user: 'U0BOB' });
    expect(surface.posts).toHaveLength(0);
    expect(text).toContain('The last 20 actions');
    expect(text.match(/<@U0ALICE> `help` → ok/g)).toHaveLength(20);
  });
});
