import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startSimulatedWorld, type SimulatedWorld } from '../../src/console/simulated-world.js';
import { silentLogger } from '../../src/log.js';
import { generateKeyPair } from '../../src/ssh/keys.js';
import { FakeSlack, SIGNING_SECRET, signedCommand, slashCommand } from '../helpers/fake-slack.js';
import { eventually, RUNPOD_APIS } from '../helpers/harness.js';
import { startBotProcess, type BotProcess } from '../helpers/bot-process.js';
import { freePort } from '../helpers/sshd.js';

/**
 * The bot as a real process against Slack and RunPod fakes on loopback, with pods whose container
 * runs on this machine: killed in the middle of a start, and stopped with SIGTERM in the middle of
 * another, it must never deploy twice, never leave a pod billing unseen, and always finish what it
 * started in the message it started it in.
 */
describe.each(RUNPOD_APIS)('restart safety over RunPod’s %s API', (api) => {
  let dir: string;
  let world: SimulatedWorld;
  let fake: FakeSlack;
  let env: Record<string, string>;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'monai-restart-'));
    const keyPath = join(dir, 'id_ed25519');
    writeFileSync(keyPath, generateKeyPair().privateKey, { mode: 0o600 });
    world = await startSimulatedWorld(loadConfig({ SSH_PRIVATE_KEY_PATH: keyPath, RUNPOD_API: api }), silentLogger());
    // The bot polls every 0.2 s here, far above RunPod's quota.
    world.simulator.v2RequestsPerMinute = 1_000_000;
    fake = await new FakeSlack().start();
    env = {
      SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(await freePort()),
      RUNPOD_API_KEY: 'simulator-key',
      RUNPOD_API: api,
      RUNPOD_API_URL: world.apiUrl,
      DICOMWEB_URL: world.config.monai.dicomwebUrl!,
      VOLUME_MOUNT_PATH: world.config.pod.volumeMountPath,
      SSH_PRIVATE_KEY_PATH: keyPath,
      DATABASE_PATH: join(dir, 'bot.sqlite'),
      RUNPOD_POLL_SECONDS: '0.2',
      MONAI_POLL_SECONDS: '0.2',
      SAMPLE_MINUTES: '60',
      LOG_LEVEL: 'info',
    };
  }, 60_000);

  afterAll(async () => {
    for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await world?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `http://127.0.0.1:${env['PORT']}/slack/events`;
  const start = async () => {
    const bot = await startBotProcess(env, dir);
    bots.push(bot);
    return bot;
  };

  it('killed (SIGKILL) in the middle of a start, a restarted bot finishes it in the same message, with one deploy', async () => {
    world.simulator.runtimeDelayMs = 3000;
    const first = await start();
    expect((await signedCommand(url(), slashCommand(fake, 'start'))).status).toBe(200);
    await eventually(() => world.simulator.deployInputs.length === 1 && fake.callsTo('chat.postMessage').length === 1, 15_000);
    const progress = fake.callsTo('chat.postMessage')[0]!;
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start();
    const message = await eventually(() => {
      const posted = [...fake.messages.values()].find((candidate) => candidate.ts === [...fake.messages.keys()][0]);
      return posted?.text.includes('is ready') ? posted : undefined;
    }, 60_000);

    expect(message.channel).toBe(progress.args['channel']);
    expect(message.text).toMatch(/monai-label is ready — http:\/\/127\.0\.0\.1:\d+/);
    expect(JSON.stringify(message.blocks)).toContain('The bot restarted and carries on from where it was');
    expect(world.simulator.deployInputs).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(second.output()).toContain('resuming a request left unfinished');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it('stopped with SIGTERM mid-start, it exits cleanly saying it paused, and carries on when back', async () => {
    const bot = await start();
    expect((await signedCommand(url(), slashCommand(fake, 'stop'))).status).toBe(200);
    await eventually(() => world.simulator.podByName('monai-label')?.desiredStatus === 'EXITED', 15_000);
    world.simulator.runtimeDelayMs = 60_000;
    const before = fake.callsTo('chat.postMessage').length;
    await signedCommand(url(), slashCommand(fake, 'start', 'U0BOB'));
    await eventually(() => world.simulator.podByName('monai-label')?.desiredStatus === 'RUNNING' && fake.callsTo('chat.postMessage').length > before, 15_000);
    const ts = [...fake.messages.keys()].at(-1)!;

    bot.child.kill('SIGTERM');
    const exit = await bot.exited;
    expect(exit.code).toBe(0);
    const paused = fake.messages.get(ts)!;
    expect(JSON.stringify(paused.blocks)).toContain('Paused: the bot is restarting');
    expect(bot.output()).toContain('"message":"stopped"');

    // RunPod brings the container up while the bot is away.
    world.simulator.runtimeDelayMs = 500;
    world.simulator.boot(world.simulator.podByName('monai-label')!);
    const again = await start();
    await eventually(() => fake.messages.get(ts)?.text.includes('is ready'), 60_000);
    expect(world.simulator.callsTo('resume')).toHaveLength(1);
    expect(world.simulator.deployInputs).toHaveLength(1);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  }, 120_000);

  it('notices, once, a pod that runs without the bot having started it', async () => {
    world.simulator.addPod({ name: 'someone-elses-training', desiredStatus: 'RUNNING', costPerHr: 1.64 });
    await eventually(() => world.simulator.podByName('someone-elses-training')?.runtime);
    const withChannel = { ...env, DIGEST_CHANNEL: 'C0COSTS' };
    for (let run = 0; run < 2; run++) {
      const bot = await startBotProcess(withChannel, dir);
      bots.push(bot);
      bot.child.kill('SIGTERM');
      await bot.exited;
    }
    const notices = [...fake.messages.values()].filter((message) => message.text.includes('someone-elses-training'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.channel).toBe('C0COSTS');
    expect(notices[0]!.text).toContain('is running on this RunPod account (RTX 4090, $1.64/hr) and was not started through this bot');
  }, 60_000);
});
