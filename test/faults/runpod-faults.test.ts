/**
 * RunPod misbehaving while people use the bot: what each person reads, and that nothing is lost
 * or done twice (deploys, stops, claims of a stop). Fast: the simulator only, no real pod.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, runCommand, RUNPOD_APIS, SIM_KEY, startHarness as startHarnessFor, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { billingLine, INTERNAL_TEXT } from '../helpers/faults.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TRANSIENT_ACTION = 'Try again in a minute; check https://uptime.runpod.io if it persists.';
/** Each adapter's attempts per call (the first included): a burst this long exhausts them. */
const CLIENT_ATTEMPTS = 4;

describe.each(RUNPOD_APIS)('over RunPod’s %s API', (api) => {
const startHarness = (options: HarnessOptions = {}) => startHarnessFor({ api, ...options });

/** A pod started the ordinary way, for the tests about stopping it. */
async function runningPod(h: Harness) {
  const { text } = await runCommand(h, 'start');
  expect(text).toContain('monai-label is ready');
  const pod = h.sim.podByName('monai-label')!;
  expect(pod.desiredStatus).toBe('RUNNING');
  return pod;
}

describe('RunPod 5xx bursts during /monai start', () => {
  it('a burst on the pod listing longer than the retries: the transient message, nothing deployed; the next start deploys one pod', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'status', status: 503 }, { operation: 'listPods', times: CLIENT_ATTEMPTS });

    const failed = await runCommand(harness, 'start');

    expect(failed.text).toContain('❌ *Could not start monai-label*');
    expect(failed.text).toContain('RunPod answered HTTP 503.');
    expect(failed.text).toContain(`*What to do:* ${TRANSIENT_ACTION}`);
    expect(failed.text).not.toContain('billing');
    expect(failed.text).not.toContain(INTERNAL_TEXT);
    expect(harness.sim.callsTo('listPods').map((call) => call.status)).toEqual(Array(CLIENT_ATTEMPTS).fill(503));
    expect(harness.sim.callsTo('deploy')).toHaveLength(0);
    expect(harness.sim.pods.size).toBe(0);

    // RunPod is back: trying again, as the message says, deploys exactly one pod.
    const retried = await runCommand(harness, 'start');
    expect(retried.text).toContain('monai-label is ready');
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.sim.pods.size).toBe(1);
  });

  it('a burst after the pod was deployed: the transient message with the billing line; the next start reuses the pod', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 1500 } });
    const pending = runCommand(harness, 'start');
    await eventually(() => harness!.sim.deployInputs.length === 1);
    // Once deployed, the pod is read by its id alone.
    harness.sim.inject({ kind: 'status', status: 502 }, { operation: 'getPod', times: CLIENT_ATTEMPTS });

    const failed = await pending;

    expect(failed.text).toContain('❌ *Could not start monai-label*');
    expect(failed.text).toContain('RunPod answered HTTP 502.');
    expect(failed.text).toContain(TRANSIENT_ACTION);
    expect(failed.text).toContain(billingLine());
    expect(failed.text).toContain('[Stop the pod] → type: /monai stop');
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');

    const retried = await runCommand(harness, 'start');
    expect(retried.text).toContain('monai-label is ready');
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.sim.callsTo('deploy')).toHaveLength(1);
    expect(harness.sim.pods.size).toBe(1);
  });

  it('a 5xx on the deploy itself: never sent twice; no pod appears, and the user hears it may still, never that nothing bills', async () => {
    // Virtual time: the bot looks for the pod for a minute before it gives up; that minute costs nothing here.
    const clock = new FakeClock(Date.now());
    harness = await startHarness({ bot: { clock }, env: { POD_READY_TIMEOUT_MINUTES: '5', RUNPOD_POLL_SECONDS: '2' } });
    harness.sim.inject({ kind: 'status', status: 503 }, { operation: 'deploy', times: 5 });

    const { text } = await runCommand(harness, 'start');

    expect(text).toContain('❌ *Could not start monai-label*');
    expect(text).toContain('RunPod did not answer the deploy request clearly, and no pod from it has appeared in 2 min');
    expect(text).toContain('RunPod may still create it, and it would bill.');
    expect(text).toContain('The bot does not deploy again while it waits.');
    expect(text).not.toContain('nothing is billing');
    expect(text).not.toContain(INTERNAL_TEXT);
    expect(harness.sim.callsTo('deploy')).toHaveLength(1);
    expect(harness.sim.deployInputs).toHaveLength(0);
    expect(harness.sim.pods.size).toBe(0);
    expect(harness.logs()).toContain('deploy answer lost; looking for the pod before anything else');
  });

  it('a deploy whose answer is lost after RunPod created the pod: the bot finds it and deploys nothing more', async () => {
    harness = await startHarness();
    // RunPod creates the pod, but its answer arrives after the client gave up (timeout 2 s).
    harness.sim.inject({ kind: 'slow', ms: 2400 }, { operation: 'deploy' });

    const { text } = await runCommand(harness, 'start');

    expect(text).toContain('monai-label is ready');
    expect(harness.sim.callsTo('deploy')).toHaveLength(1);
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.sim.pods.size).toBe(1);
    expect((await harness.store.pods.get('monai-label'))?.podId).toBe(harness.sim.podByName('monai-label')?.id);
  });
});

describe('RunPod rate limits, hangs and HTML pages', () => {
  it('429 with Retry-After on the deploy: waits as asked, then deploys one pod', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'status', status: 429, retryAfterSeconds: 1 }, { operation: 'deploy' });

    const began = Date.now();
    const { text } = await runCommand(harness, 'start');

    expect(text).toContain('monai-label is ready');
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    expect(harness.sim.callsTo('deploy').map((call) => call.status)).toEqual([429, api === 'v2' ? 201 : 200]);
    expect(harness.sim.deployInputs).toHaveLength(1);
    expect(harness.sim.pods.size).toBe(1);
  });

  it('a hanging answer on the pod listing: the client times out, retries, and the status arrives', async () => {
    harness = await startHarness();
    await runningPod(harness);
    harness.bot.snapshots.invalidate();
    harness.sim.inject({ kind: 'hang' }, { operation: 'listPods' });

    const began = Date.now();
    const { text } = await runCommand(harness, 'status');

    expect(Date.now() - began).toBeGreaterThanOrEqual(1900);
    expect(text).toContain('🟢 *monai-label* is running');
    expect(text).not.toContain(INTERNAL_TEXT);
    expect(harness.logs()).toContain('RunPod did not answer in time.');
    expect(harness.logs()).toContain('RunPod call failed, retrying');
  });

  it('Cloudflare HTML pages on the listing: retried, then a readable error when they persist', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'html', status: 520 }, { operation: 'listPods', times: 2 });
    const recovered = await runCommand(harness, 'status');
    expect(recovered.text).toContain('There is no pod named *monai-label*');

    harness.bot.snapshots.invalidate();
    harness.sim.inject({ kind: 'html', status: 403 }, { operation: 'listPods', times: CLIENT_ATTEMPTS });
    const broken = await runCommand(harness, 'status');
    expect(broken.surface.posts).toHaveLength(0);
    expect(broken.text).toContain('❌ RunPod answered HTTP 403.');
    expect(broken.text).toContain(TRANSIENT_ACTION);
    expect(broken.text).not.toContain('<!DOCTYPE');
    expect(broken.text).not.toContain(INTERNAL_TEXT);
  });

  it('a Cloudflare page on the stop: retried, and the stop is claimed only once RunPod reads EXITED', async () => {
    harness = await startHarness();
    const pod = await runningPod(harness);
    harness.sim.inject({ kind: 'html', status: 502 }, { operation: 'stop' });

    const { text } = await runCommand(harness, 'stop');

    expect(text).toContain('monai-label stopped');
    expect(text).toContain('Compute billing has stopped.');
    expect(harness.sim.callsTo('stop').map((call) => call.status)).toEqual([502, 200]);
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('EXITED');
    // The success was read back from RunPod after the stop, not assumed from the stop's answer.
    const lastStop = harness.sim.calls.findLastIndex((call) => call.fields.includes('stop'));
    expect(harness.sim.calls.slice(lastStop + 1).some((call) => call.fields.includes('listPods') && call.status === 200)).toBe(true);
  });

  it('Cloudflare pages on every stop: never claimed, the user hears it may still bill', async () => {
    harness = await startHarness();
    const pod = await runningPod(harness);
    harness.sim.inject({ kind: 'html', status: 502 }, { operation: 'stop', times: 100 });

    const { text } = await runCommand(harness, 'stop');

    expect(text).toContain('❌ *Could not confirm the stop of monai-label*');
    expect(text).toContain('may still be running and billing $0.69/hr');
    expect(text).not.toContain('Compute billing has stopped');
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('RUNNING');
  });
});

describe('a RunPod key revoked in the middle of a start', () => {
  it('says the key was rejected AND that the pod is still running and billing; a later stop stops it', async () => {
    harness = await startHarness({ simulator: { runtimeDelayMs: 1500 } });
    const pending = runCommand(harness, 'start');
    await eventually(() => harness!.sim.deployInputs.length === 1);
    harness.sim.apiKey = 'other';

    const { text } = await pending;

    expect(text).toContain('❌ *Could not start monai-label*');
    expect(text).toContain('RunPod rejected the API key.');
    expect(text).toContain('RUNPOD_API_KEY');
    expect(text).toContain(billingLine());
    expect(harness.sim.pods.size).toBe(1);
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('RUNNING');
    // The 401 is not retried as if it were transient.
    expect(harness.sim.calls.filter((call) => call.status === 401)).toHaveLength(1);

    harness.sim.apiKey = SIM_KEY;
    const stop = await runCommand(harness, 'stop');
    expect(stop.text).toContain('monai-label stopped');
    expect(harness.sim.podByName('monai-label')?.desiredStatus).toBe('EXITED');
    expect(harness.sim.deployInputs).toHaveLength(1);
  });

  it('a stop with a revoked key: the bad-key message, never a claimed stop', async () => {
    harness = await startHarness();
    const pod = await runningPod(harness);
    harness.sim.apiKey = 'other';

    const { text } = await runCommand(harness, 'stop');

    expect(text).toContain('RunPod rejected the API key.');
    expect(text).not.toContain('monai-label stopped');
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('RUNNING');
    expect(harness.sim.callsTo('stop')).toHaveLength(0);
  });
});

describe('stops whose answers are lost', () => {
  it('RunPod stopped the pod but the answer timed out: the bot reads EXITED back and says stopped', async () => {
    harness = await startHarness();
    const pod = await runningPod(harness);
    harness.sim.inject({ kind: 'slow', ms: 2300 }, { operation: 'stop' });

    const { text } = await runCommand(harness, 'stop');

    expect(text).toContain('monai-label stopped');
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('EXITED');
    expect(harness.sim.callsTo('resume')).toHaveLength(0);
    expect(harness.logs()).toContain('RunPod did not answer in time.');
  });

  it('every stop connection is reset: retried, never claimed, the pod keeps running and the user is told', async () => {
    harness = await startHarness();
    const pod = await runningPod(harness);
    harness.sim.inject({ kind: 'reset' }, { operation: 'stop', times: 100 });

    const { text } = await runCommand(harness, 'stop');

    expect(text).toContain('❌ *Could not confirm the stop of monai-label*');
    expect(text).toContain(`RunPod did not confirm the stop of pod ${pod.id} after 3 attempts.`);
    expect(text).toContain('may still be running and billing $0.69/hr');
    expect(text).toContain('Run `/monai stop` again, or stop it in the RunPod console.');
    expect(harness.sim.pod(pod.id).desiredStatus).toBe('RUNNING');
  });

  it('RunPod answers the stop but keeps the pod RUNNING: the bot re-reads, asks again, and never claims it', async () => {
    harness = await startHarness();
    const pod = await runningPod(harness);
    const sim = harness.sim;
    sim.stop = async (id: string) => sim.pod(id);

    const { text } = await runCommand(harness, 'stop');

    expect(text).toContain('❌ *Could not confirm the stop of monai-label*');
    expect(text).toContain('may still be running and billing $0.69/hr');
    expect(sim.callsTo('stop')).toHaveLength(3);
    expect(sim.pod(pod.id).desiredStatus).toBe('RUNNING');
  });
});

describe('/monai status while RunPod fails', () => {
  const faults = [
    ['HTTP 500', { kind: 'status', status: 500 }, 'RunPod answered HTTP 500.'],
    ['a reset connection', { kind: 'reset' }, 'RunPod’s API could not be reached or sent an unreadable answer.'],
    // GraphQL: HTTP 200 with errors[]; v2: the same sentence in a 500 problem.
    [
      'a server error in RunPod’s own words',
      { kind: 'error', message: 'Something went wrong. Please try again later or contact support.', code: 'INTERNAL_SERVER_ERROR' },
      api === 'v2' ? 'RunPod answered HTTP 500: Something went wrong. Please try again later or contact support.' : 'RunPod answered with a server error: Something went wrong.',
    ],
  ] as const;

  for (const [name, fault, expected] of faults) {
    it(`answers ${name} with an error message, not a crash`, async () => {
      harness = await startHarness();
      harness.sim.inject(fault, { operation: 'listPods', times: CLIENT_ATTEMPTS });

      const { surface, text } = await runCommand(harness, 'status');

      expect(surface.posts).toHaveLength(0);
      expect(surface.ephemerals).toHaveLength(1);
      expect(text).toContain(`❌ ${expected}`);
      expect(text).toContain('*What to do:*');
      expect(text).not.toContain(INTERNAL_TEXT);
      expect(harness.logs()).not.toContain('"level":"error"');
      // The bot still answers once RunPod is back.
      expect((await runCommand(harness, 'status')).text).toContain('There is no pod named *monai-label*');
    });
  }

  it('/monai doctor names the broken link when RunPod fails', async () => {
    harness = await startHarness();
    harness.sim.inject({ kind: 'status', status: 503 }, { operation: 'listPods', times: CLIENT_ATTEMPTS });

    const { text } = await runCommand(harness, 'doctor');

    expect(text).toContain('RunPod answered HTTP 503.');
    expect(text).toContain(TRANSIENT_ACTION);
    expect(text).not.toContain(INTERNAL_TEXT);
    expect(harness.sim.deployInputs).toHaveLength(0);
  });
});
});
