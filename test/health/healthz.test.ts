import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthReport, SOCKET_GRACE_MS, type HealthFacts } from '../../src/health/report.js';
import { main } from '../../src/main.js';
import { RunPodSimulator } from '../../src/runpod/simulator/simulator.js';
import { generateKeyPair } from '../../src/ssh/keys.js';
import { FakeSlack, SIGNING_SECRET } from '../helpers/fake-slack.js';
import { eventually } from '../helpers/harness.js';
import { freePort } from '../helpers/sshd.js';

describe('what /healthz reports', () => {
  const now = 1_800_000_000_000;
  const facts = (over: Partial<HealthFacts> = {}): HealthFacts => ({
    now,
    startedAt: now - 3_600_000,
    version: '0.1.0',
    mode: 'socket',
    database: { writable: true },
    runpod: { ok: true, operation: 'snapshot', at: now - 42_000 },
    socket: { state: 'connected', since: now - 3_000_000 },
    ...over,
  });

  it('is ok with the last RunPod call’s result and age, and the socket’s state', () => {
    const report = healthReport(facts());
    expect(report.httpStatus).toBe(200);
    expect(report.body).toMatchObject({
      status: 'ok',
      uptimeSeconds: 3600,
      database: { writable: true },
      runpod: { lastCall: 'ok', operation: 'snapshot', ageSeconds: 42 },
      slackSocket: { state: 'connected', forSeconds: 3000 },
    });
  });

  it('is unhealthy (503) when the database cannot be written', () => {
    const report = healthReport(facts({ database: { writable: false, error: 'SQLITE_READONLY' } }));
    expect(report.httpStatus).toBe(503);
    expect(report.body).toMatchObject({ status: 'unhealthy', database: { writable: false, error: 'SQLITE_READONLY' } });
  });

  it('gives a lost Slack connection two minutes to come back before it is unhealthy', () => {
    expect(healthReport(facts({ socket: { state: 'reconnecting', since: now - SOCKET_GRACE_MS + 1000 } })).httpStatus).toBe(200);
    const lost = healthReport(facts({ socket: { state: 'reconnecting', since: now - SOCKET_GRACE_MS - 1000 } }));
    expect(lost.httpStatus).toBe(503);
    expect(lost.body['slackSocket']).toEqual({ state: 'reconnecting', forSeconds: 121 });
  });

  it('is degraded but up (200) when RunPod’s last answer was a failure: a restart would not fix RunPod', () => {
    const report = healthReport(facts({ runpod: { ok: false, operation: 'snapshot', at: now - 5000, error: 'RUNPOD_TRANSIENT' } }));
    expect(report.httpStatus).toBe(200);
    expect(report.body).toMatchObject({ status: 'degraded', runpod: { lastCall: 'failed', error: 'RUNPOD_TRANSIENT', ageSeconds: 5 } });
  });

  it('says Slack is down until it has accepted the bot: starting, then unhealthy with the reason', () => {
    const starting = healthReport(facts({ mode: 'http', socket: null, slack: { reachable: false, since: now - 2000 } }));
    expect(starting.httpStatus).toBe(503);
    expect(starting.body).toMatchObject({ status: 'starting', slack: { state: 'connecting', forSeconds: 2 } });
    const unreachable = healthReport(facts({ mode: 'http', socket: null, slack: { reachable: false, since: now - 30_000, reason: 'ENOTFOUND' } }));
    expect(unreachable.httpStatus).toBe(503);
    expect(unreachable.body).toMatchObject({ status: 'unhealthy', slack: { state: 'unreachable', forSeconds: 30, error: 'ENOTFOUND' } });
    const reached = healthReport(facts({ mode: 'http', socket: null, slack: { reachable: true, since: now } }));
    expect(reached.httpStatus).toBe(200);
    expect(reached.body).not.toHaveProperty('slack');
  });

  it('says when RunPod has not been called yet, and has no socket in HTTP mode', () => {
    const report = healthReport(facts({ mode: 'http', runpod: null, socket: null }));
    expect(report.body['runpod']).toEqual({ lastCall: 'none yet' });
    expect(report.body).not.toHaveProperty('slackSocket');
  });
});

describe('GET /healthz on a running bot', () => {
  const RUNPOD_KEY = 'health0runpod0key012345';
  let fake: FakeSlack;
  let sim: RunPodSimulator;
  let dir: string;
  let keyPath: string;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    sim = await new RunPodSimulator({ apiKey: RUNPOD_KEY }).start();
    dir = mkdtempSync(join(tmpdir(), 'monai-health-'));
    keyPath = join(dir, 'id_ed25519');
    writeFileSync(keyPath, generateKeyPair().privateKey, { mode: 0o600 });
  });

  afterAll(async () => {
    await sim.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the bot (main, as npm start does) until the returned stop() is called. */
  async function runBot(env: Record<string, string>) {
    let stop!: (signal: string) => void;
    let log = '';
    const stdout = new PassThrough().on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = main([], {
      SLACK_BOT_TOKEN: 'xoxb-health-bot',
      SLACK_API_URL: fake.apiUrl,
      RUNPOD_API_KEY: RUNPOD_KEY,
      RUNPOD_API_URL: sim.v2Url,
      SSH_PRIVATE_KEY_PATH: keyPath,
      DICOMWEB_URL: 'http://127.0.0.1:9/dicom-web',
      DATABASE_PATH: join(dir, `bot-${Date.now()}.sqlite`),
      LOG_FORMAT: 'json',
      ...env,
    }, {
      stdin: new PassThrough(),
      stdout,
      stderr: stdout,
      cwd: dir,
      interactive: false,
      stopSignal: new Promise((resolve) => (stop = resolve)),
    });
    await eventually(() => log.includes('monai-pod-bot is running') || undefined);
    return { log: () => log, stop: async () => { stop('SIGTERM'); return exited; } };
  }

  it('answers beside /slack/events in HTTP mode, and on HEALTH_PORT, with RunPod’s last call', async () => {
    const port = await freePort();
    const healthPort = await freePort();
    const bot = await runBot({ SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: String(port), HEALTH_PORT: String(healthPort) });
    try {
      // The start-up check has called RunPod by now or shortly.
      const body = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        const json = (await response.json()) as Record<string, { lastCall?: string }>;
        return response.status === 200 && json['runpod']?.lastCall === 'ok' ? json : undefined;
      });
      expect(body).toMatchObject({ status: 'ok', mode: 'http', database: { writable: true }, runpod: { lastCall: 'ok', operation: 'snapshot' } });
      expect(body).not.toHaveProperty('slackSocket');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`, { method: 'POST' })).status).not.toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()).toMatchObject({ status: 'ok', mode: 'http' });
    } finally {
      expect(await bot.stop()).toBe(0);
    }
  });

  it('answers on HEALTH_PORT in Socket Mode, with the connection’s state', async () => {
    const healthPort = await freePort();
    const bot = await runBot({ SLACK_APP_TOKEN: 'xapp-1-health-app', HEALTH_PORT: String(healthPort) });
    try {
      const body = await eventually(async () => {
        const json = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as Record<string, { state?: string }>;
        return json['slackSocket']?.state === 'connected' ? json : undefined;
      });
      expect(body).toMatchObject({ status: 'ok', mode: 'socket', database: { writable: true } });
      expect((await fetch(`http://127.0.0.1:${healthPort}/other`)).status).toBe(404);
    } finally {
      expect(await bot.stop()).toBe(0);
    }
    await expect(fetch(`http://127.0.0.1:${healthPort}/healthz`)).rejects.toThrow();
  });

  it('writes its log to LOG_FILE too, scrubbed of secrets', async () => {
    const logFile = join(dir, 'logs', 'bot.log');
    const bot = await runBot({ SLACK_APP_TOKEN: 'xapp-1-health-app', LOG_FILE: logFile });
    await bot.stop();
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { message: string });
    expect(lines.some((line) => line.message === 'monai-pod-bot is running')).toBe(true);
    // The last line of a shutdown reaches the file before the process exits.
    expect(lines.at(-1)?.message).toBe('stopped');
    const text = readFileSync(logFile, 'utf8');
    for (const secret of ['xoxb-health-bot', 'xapp-1-health-app', RUNPOD_KEY]) expect(text).not.toContain(secret);
  });
});
