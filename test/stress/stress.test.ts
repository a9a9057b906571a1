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

  it('acks 200 signed commands from 20 people at once, answers every one, never runs two pods, and then still starts and stops', async () => {
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

    // Every /monai status was answered privately with the pod's state; every start and stop either
    // got a private answer (joined, queued, replaced) or posted its own message in the channel.
    const answer = (fields: Record<string, string>) => fake.responses.find((response) => fields['response_url']!.endsWith(`/${response.id}`));
    const statuses = requests.filter((fields) => fields['text'] === 'status');
    for (const fields of statuses) expect(String(answer(fields)?.body['text'])).toMatch(/monai-label is (starting|running|stopped|stopping)|There is no pod named monai-label/);
    const unansweredOperations = requests.filter((fields) => fields['text'] !== 'status' && !answer(fields));
    expect(unansweredOperations.length).toBeLessThanOrEqual(fake.messages.size);
    expect([...fake.messages.values()].every((message) => message.channel === 'C0LAB')).toBe(true);
    // One pod at most, ever; nothing left half-done.
    expect(harness.sim.deployInputs.length).toBeLessThanOrEqual(1);
    expect(harness.sim.pods.size).toBeLessThanOrEqual(1);
    expect(await harness.store.operations.unfinished()).toEqual([]);
    // Every request was audited, each with an outcome.
    const audited = await harness.store.audit.recent(500);
    expect(audited).toHaveLength(200);
    expect(audited.every((entry) => entry.outcome.length > 0)).toBe(true);
    // The status answers came from the cache: far fewer RunPod reads than requests.
    expect(harness.sim.callsTo('listPods').length).toBeLessThan(120);

    // Whatever state the burst left, the next start brings the one pod up and posts its URL, and a stop stops it.
    const start = slashCommand(fake, 'start', 'U0ALICE', 'C0LAB');
    await signedCommand(running.url, start);
    await eventually(() => running.work.length === 201, 30_000);
    await running.settle();
    const pod = harness.sim.podByName('monai-label')!;
    expect(pod.desiredStatus).toBe('RUNNING');
    expect(harness.sim.deployInputs).toHaveLength(1);
    const url = `http://127.0.0.1:${pod.runtime!.ports.find((port) => port.privatePort === 8000 && port.isIpPublic)!.publicPort}`;
    const ready = [...fake.messages.values()].filter((message) => message.text.includes('monai-label is ready'));
    expect(ready.at(-1)?.text).toContain(url);
    expect((await harness.bot.router.status()).text).toContain(url);

    await signedCommand(running.url, slashCommand(fake, 'stop', 'U0ALICE', 'C0LAB'));
    await eventually(() => running.work.length === 202, 30_000);
    await running.settle();
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('EXITED');
    expect((await harness.bot.router.status()).text).toContain('monai-label is stopped');
    await harness.bot.close();
    expect(rejections).toEqual([]);
    expect(harness.logs()).not.toContain('"level":"error"');
  }, 120_000);
});
