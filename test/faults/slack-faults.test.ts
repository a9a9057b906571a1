/**
 * Slack misbehaving while /monai start runs through the real Bolt app and its HTTP receiver:
 * rate limits, a channel the bot is not in, edits that fail. The person must still learn the
 * outcome, and nothing may be posted or done twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeSlack} from '../helpers/fake-slack.js';
import { signedCommand, slashCommand } from '../helpers/fake-slack.js';
import { INTERNAL_TEXT } from '../helpers/faults.js';
import type { Harness } from '../helpers/harness.js';
import { startSlackWorld, type SlackWorld } from '../helpers/slack-app.js';

let world: SlackWorld | undefined;
let work: Promise<void>[] = [];

afterEach(async () => {
  await world?.close();
  [world, work] = [undefined, []];
});

/** The real Slack app over a harness, with a Web API client that honours Retry-After (`retries`). */
async function start(options: { retries: number; runtimeDelayMs?: number }) {
  world = await startSlackWorld({ retries: options.retries, simulator: { runtimeDelayMs: options.runtimeDelayMs ?? 30 } });
  work = world.running.work;
  return { fake: world.fake, harness: world.harness, url: world.running.url };
}

function publicUrl(h: Harness): string {
  const pod = h.sim.podByName('monai-label')!;
  return `http://127.0.0.1:${pod.runtime!.ports.find((port) => port.privatePort === 8000 && port.isIpPublic)!.publicPort}`;
}

async function settle(f: FakeSlack): Promise<void> {
  await f.waitFor(() => work.length >= 1);
  await Promise.all(work);
}

describe('Slack rate limits during /monai start', () => {
  it('429 with Retry-After on chat.postMessage: acked at once, waited, posted exactly once, final edit shows the URL', async () => {
    const { fake, harness, url } = await start({ retries: 3 });
    fake.fail('chat.postMessage', { status: 429, retryAfter: 1 });

    const began = Date.now();
    const response = await signedCommand(url, slashCommand(fake, 'start'));
    expect(response.status).toBe(200);
    // Acked before the rate-limited post went through: the ack never waits for Slack's Retry-After.
    expect(fake.messages.size).toBe(0);
    await settle(fake);

    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2); // the refused one, and the one that posted
    expect(fake.messages.size).toBe(1);
    const message = [...fake.messages.values()][0]!;
    expect(message.channel).toBe('C0LAB');
    expect(message.text).toContain('monai-label is ready');
    expect(message.text).toContain(publicUrl(harness));
    expect(fake.responses.filter((reply) => String(reply.body['text']).includes('ready'))).toHaveLength(0);
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.logs()).not.toContain('could not post a progress message');
  });

  it('429 with Retry-After on chat.update: the edit is retried, no duplicate post, the final edit shows the URL', async () => {
    const { fake, harness, url } = await start({ retries: 3, runtimeDelayMs: 800 });
    fake.fail('chat.update', { status: 429, retryAfter: 1 });

    const response = await signedCommand(url, slashCommand(fake, 'start'));
    expect(response.status).toBe(200);
    await settle(fake);

    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.messages.size).toBe(1);
    const message = [...fake.messages.values()][0]!;
    // Every edit but the rate-limited one landed; the last one is the outcome.
    expect(fake.callsTo('chat.update')).toHaveLength(message.versions.length);
    expect(message.text).toContain('monai-label is ready');
    expect(message.text).toContain(publicUrl(harness));
    expect(JSON.stringify(message.blocks)).toContain(publicUrl(harness));
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.logs()).not.toContain('could not update a progress message');
  });
});

describe('Slack refusing the bot', () => {
  it('not_in_channel on chat.postMessage: the person hears the invite hint and the outcome privately', async () => {
    const { fake, harness, url } = await start({ retries: 3 });
    fake.fail('chat.postMessage', { error: 'not_in_channel' });

    const response = await signedCommand(url, slashCommand(fake, 'start'));
    expect(response.status).toBe(200);
    await settle(fake);

    expect(fake.messages.size).toBe(0);
    const texts = fake.responses.map((reply) => String(reply.body['text']));
    expect(fake.responses.every((reply) => reply.body['response_type'] === 'ephemeral')).toBe(true);
    expect(texts.some((text) => text.includes('The bot is not a member of this channel.') && text.includes('Invite it with `/invite @monai`'))).toBe(true);
    const outcome = fake.responses.find((reply) => String(reply.body['text']).includes('monai-label is ready'));
    expect(outcome).toBeDefined();
    expect(String(outcome!.body['text'])).toContain(publicUrl(harness));
    expect(texts.join('\n')).not.toContain(INTERNAL_TEXT);
    expect(harness.sim.deployInputs).toHaveLength(1);
  });

  it('every edit fails (HTTP 500, retries exhausted): the outcome still reaches the person who asked', async () => {
    const { fake, harness, url } = await start({ retries: 0 });
    fake.fail('chat.update', ...Array.from({ length: 200 }, () => ({ status: 500 })));

    const response = await signedCommand(url, slashCommand(fake, 'start'));
    expect(response.status).toBe(200);
    await settle(fake);

    expect(fake.messages.size).toBe(1);
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
    // The channel message is stuck at its first version; the URL must arrive some other way.
    const seen = [...[...fake.messages.values()].map((message) => message.text), ...fake.responses.map((reply) => String(reply.body['text']))];
    expect(seen.some((text) => text.includes(publicUrl(harness)))).toBe(true);
  });
});
