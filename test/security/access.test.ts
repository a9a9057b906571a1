import { afterEach, describe, expect, it } from 'vitest';
import { allowedCommands, authorize } from '../../src/commands/access.js';
import { buttonClick, signedAction, signedCommand, slashCommand } from '../helpers/fake-slack.js';
import { addOwnPod, eventually, runCommand, startHarness, type Harness } from '../helpers/harness.js';
import { startSlackWorld, type SlackWorld } from '../helpers/slack-app.js';

const settings = { channels: ['C0LAB'], users: ['U0ALICE', 'U0BOB'], admins: ['U0ADMIN'] };

describe('who may do what', () => {
  it('allows listed people in listed channels, and admins everything', () => {
    expect(authorize(settings, { user: 'U0ALICE', channel: 'C0LAB', origin: 'slash' }, 'start')).toEqual({ allowed: true, admin: false });
    expect(authorize(settings, { user: 'U0ADMIN', channel: 'C0LAB', origin: 'slash' }, 'terminate')).toEqual({ allowed: true, admin: true });
    expect(authorize(settings, { user: 'console', channel: 'console', origin: 'console' }, 'terminate')).toEqual({ allowed: true, admin: true });
  });

  it('refuses other channels, other people and non-admins, saying who can help', () => {
    expect(authorize(settings, { user: 'U0ALICE', channel: 'C0RANDOM', origin: 'slash' }, 'stop')).toEqual({
      allowed: false,
      reason: 'This bot acts on the pod only in <#C0LAB>. Run the command there.',
    });
    expect(authorize(settings, { user: 'U0MALLORY', channel: 'C0LAB', origin: 'slash' }, 'start')).toEqual({
      allowed: false,
      reason: 'You are not on the list of people who may use this bot. Ask <@U0ADMIN> to add you (ALLOWED_USER_IDS).',
    });
    expect(authorize(settings, { user: 'U0ALICE', channel: 'C0LAB', origin: 'button' }, 'terminate')).toEqual({
      allowed: false,
      reason: 'Only the bot’s admins can run `/monai terminate`. Ask <@U0ADMIN>.',
    });
  });

  it('lets anyone ask for help or troubleshooting anywhere', () => {
    expect(authorize(settings, { user: 'U0MALLORY', channel: 'D0DM', origin: 'slash' }, 'troubleshoot').allowed).toBe(true);
    expect(authorize(settings, { user: 'U0MALLORY', channel: 'D0DM', origin: 'slash' }, 'help').allowed).toBe(true);
  });

  it('lets listed people act from the App Home tab or a DM, and nobody else when channels are restricted', () => {
    expect(authorize(settings, { user: 'U0BOB', channel: 'U0BOB', origin: 'home' }, 'stop').allowed).toBe(true);
    expect(authorize({ ...settings, users: [] }, { user: 'U0BOB', channel: 'U0BOB', origin: 'home' }, 'stop').allowed).toBe(false);
    expect(authorize({ ...settings, users: [] }, { user: 'U0ADMIN', channel: 'D0DM', origin: 'slash' }, 'stop').allowed).toBe(true);
  });

  it('lists in help only what the caller may run', () => {
    expect(allowedCommands(settings, { user: 'U0ALICE', channel: 'C0LAB', origin: 'slash' })).not.toContain('terminate');
    expect(allowedCommands(settings, { user: 'U0ADMIN', channel: 'C0LAB', origin: 'slash' })).toContain('terminate');
    expect(allowedCommands(settings, { user: 'U0MALLORY', channel: 'C0LAB', origin: 'slash' })).toEqual(['troubleshoot', 'help']);
  });
});

describe('access through the bot', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const env = { ALLOWED_CHANNEL_IDS: 'C0LAB', ALLOWED_USER_IDS: 'U0ALICE,U0BOB', ADMIN_USER_IDS: 'U0ADMIN' };

  it('refuses privately, records the refusal, and never reaches RunPod', async () => {
    harness = await startHarness({ env });
    const { surface, text } = await runCommand(harness, 'start', undefined, { user: 'U0MALLORY' });
    expect(surface.posts).toHaveLength(0);
    expect(text).toContain('🚫 You are not on the list of people who may use this bot. Ask <@U0ADMIN>');
    expect(harness.sim.calls).toHaveLength(0);
    const [entry] = await harness.store.audit.recent(1);
    expect(entry).toMatchObject({ actor: 'U0MALLORY', channel: 'C0LAB', kind: 'command', text: 'start', outcome: 'refused' });
    expect(harness.logs()).toContain('request refused');
  });

  it('lets only an admin terminate, and only after a confirmation button', async () => {
    harness = await startHarness({ env });
    const pod = await addOwnPod(harness, { name: 'monai-label', volumeInGb: 30 });

    const member = await runCommand(harness, 'terminate confirmed', undefined, { user: 'U0ALICE', origin: 'button' });
    expect(member.text).toContain('Only the bot’s admins can run `/monai terminate`');

    const typed = await runCommand(harness, 'terminate confirmed', undefined, { user: 'U0ADMIN' });
    expect(typed.text).toContain('deletes the pod *and its 30 GB volume* for good');
    expect(typed.text).toContain(`[Terminate and delete the volume…] → type: /monai terminate pod=${pod.id} confirmed`);
    expect(harness.sim.pods.has(pod.id)).toBe(true);

    const clicked = await runCommand(harness, 'terminate confirmed', undefined, { user: 'U0ADMIN', origin: 'button' });
    expect(clicked.text).toContain('monai-label terminated');
    expect(harness.sim.pods.has(pod.id)).toBe(false);
  });

  it('forgets a host key only for an admin who confirmed', async () => {
    harness = await startHarness({ env });
    await harness.store.pods.set({ podName: 'monai-label', podId: 'pod1', startedBy: 'U0ALICE', startedAt: 0 });
    await harness.store.hostKeys.remember({ podId: 'pod1', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', firstSeen: 0 });
    expect((await runCommand(harness, 'forget-host-key', undefined, { user: 'U0ADMIN' })).text).toContain('refuses any other');
    expect(await harness.store.hostKeys.get('pod1')).not.toBeNull();
    expect((await runCommand(harness, 'forget-host-key confirmed', undefined, { user: 'U0ADMIN', origin: 'button' })).text).toContain('Forgot `SHA256:abc`');
    expect(await harness.store.hostKeys.get('pod1')).toBeNull();
  });

  it('asks for a confirmation before deploying a new pod from a typed command', async () => {
    harness = await startHarness();
    const typed = await runCommand(harness, 'start new-pod');
    expect(typed.text).toContain('[Deploy a new pod…] → type: /monai start new-pod confirmed');
    expect(harness.sim.deployInputs).toHaveLength(0);
  });
});

describe('buttons', () => {
  let world: SlackWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('re-check permission when clicked, and act once however often they are clicked', async () => {
    world = await startSlackWorld({ env: { ALLOWED_USER_IDS: 'U0ALICE,U0BOB' } });
    const { fake, harness, running } = world;
    await signedCommand(running.url, slashCommand(fake, 'start', 'U0ALICE'));
    await fake.waitFor(() => running.work.length === 1);
    await running.settle();
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');

    // Someone not on the list finds the Stop button.
    await signedAction(running.url, buttonClick(fake, 'stop', 'U0MALLORY'));
    const refusal = await fake.waitFor(() => fake.responses.find((reply) => String(reply.body['text']).includes('not on the list')));
    expect(refusal.body['response_type']).toBe('ephemeral');

    // Bob double-clicks Stop on the same message.
    const click = buttonClick(fake, 'stop', 'U0BOB');
    await Promise.all([signedAction(running.url, click), signedAction(running.url, click)]);
    await eventually(() => fake.responses.some((reply) => String(reply.body['text']).includes('already used by you')));
    await eventually(() => running.work.length >= 3);
    await running.settle();
    expect(harness.sim.callsTo('stop')).toHaveLength(1);
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('EXITED');
    const stops = fake.callsTo('chat.postMessage').filter((call) => String(call.args['text']).includes('Stopping') || String(call.args['text']).includes('stopped'));
    expect(stops).toHaveLength(1);
  });
});
