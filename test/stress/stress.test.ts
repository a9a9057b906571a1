import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack, SIGNING_SECRET, signedCommand, slashCommand } from '../helpers/fake-slack.js';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';
import { startSlack, type RunningSlack } from '../helpers/slack-app.js';

describe('the whole lab at 9 a.m.', () => {
  let fake: FakeSlack;
  let harness: Harness;
  let running: RunningSlack;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  afterEach(async () => {
    process.off('unhandledRejection', onRejection);
    await running?.slack.stop();
    await harness?.close();
    await fake?.close();
  });

  it('acks 200 signed commands from 20 people at once, ends with one pod in a consistent state, and rejects nothing unhandled', async () => {
    process.on('unhandledRejection', onRejection);
    fake = await new FakeSlack().start();
    harness = await startHarness({
      simulator: { runtimeDelayMs: 100 },
      env: { SLACK_BOT_TOKEN: 'xoxb-test-bot-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl },
    });
    running = await startSlack(harness, 'http');
    const verbs = ['start', 'status', 'stop', 'start', 'status'];
    const requests = Array.from({ length: 200 }, (_, index) => slashCommand(fake, verbs[index % verbs.length]!, `U0USER${index % 20}`, 'C0LAB'));

    const responses = await Promise.all(requests.map((fields) => signedCommand(running.url, fields)));

    expect(responses.map((response) => response.status)).toEqual(Array(200).fill(200));
    await eventually(() => running.work.length === 200, 30_000);
    await running.settle();
    await harness.bot.controller.close();

    // One pod at most, ever; nothing left half-done; what RunPod says matches what the bot says.
    expect(harness.sim.deployInputs.length).toBeLessThanOrEqual(1);
    expect(harness.sim.pods.size).toBeLessThanOrEqual(1);
    expect(await harness.store.operations.unfinished()).toEqual([]);
    const pod = harness.sim.podByName('monai-label');
    const status = (await harness.bot.router.status()).text;
    if (pod?.desiredStatus === 'RUNNING') expect(status).toContain('monai-label is running');
    else expect(status).toMatch(/monai-label is stopped|There is no pod named monai-label/);
    // Every request was audited, each with an outcome.
    const audited = await harness.store.audit.recent(500);
    expect(audited).toHaveLength(200);
    expect(audited.every((entry) => entry.outcome.length > 0)).toBe(true);
    // The status answers came from the cache: far fewer RunPod reads than requests.
    expect(harness.sim.callsTo('listPods').length).toBeLessThan(120);
    expect(rejections).toEqual([]);
    expect(harness.logs()).not.toContain('"level":"error"');
  }, 120_000);
});
