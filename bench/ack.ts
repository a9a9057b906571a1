import { createHmac, randomUUID } from 'node:crypto';
import { SIGNING_SECRET } from '../test/helpers/fake-slack.js';
import { startBareBolt, startBot, type Fakes, type Server } from './processes.js';
import { RawHttpConnection, serializePost } from './raw-http.js';
import { percentile, type Figure } from './stats.js';

const CONCURRENT = 50;
const ROUNDS = 20;

/** A signed /monai status as Slack sends it, signed before the clock starts. */
function signedStatus(fakes: Fakes, user: string): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0LAB',
    team_domain: 'lab',
    channel_id: 'C0LAB',
    channel_name: 'annotation',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/monai',
    text: 'status',
    api_app_id: 'A0MONAI',
    is_enterprise_install: 'false',
    response_url: fakes.responseUrl(),
    trigger_id: `trigger-${randomUUID()}`,
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature } };
}

/** One request per connection, all written before any answer is read; each timed from its own write. */
async function burst(server: Server, connections: RawHttpConnection[], fakes: Fakes): Promise<number[]> {
  const port = Number(new URL(server.url).port);
  const requests = connections.map((_, index) => {
    const { body, headers } = signedStatus(fakes, `U0USER${index}`);
    return serializePost(port, '/slack/events', headers, body);
  });
  return Promise.all(
    connections.map(async (connection, index) => {
      const began = performance.now();
      const status = await connection.send(requests[index]!);
      const took = performance.now() - began;
      if (status !== 200) throw new Error(`HTTP ${status}`);
      return took;
    }),
  );
}

async function connectionsTo(server: Server): Promise<RawHttpConnection[]> {
  const port = Number(new URL(server.url).port);
  return Promise.all(Array.from({ length: CONCURRENT }, () => RawHttpConnection.open(port)));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * 50 concurrent signed /monai status into the bot's real HTTP receiver (the bot running as its own
 * process, as in production), and the same into a bare Bolt app that only acks, same receiver and
 * signing; rounds interleaved so both see the same machine. Slack and RunPod run in a third process.
 * Each server gets 50 keep-alive connections opened beforehand, so a burst is 50 socket writes.
 */
export async function ackLatency(fakes: Fakes): Promise<Figure[]> {
  const bot = await startBot(fakes);
  const bare = await startBareBolt(fakes);
  const connections = new Map<Server, RawHttpConnection[]>([
    [bot, await connectionsTo(bot)],
    [bare, await connectionsTo(bare)],
  ]);
  const mine: number[] = [];
  const theirs: number[] = [];
  try {
    // Warm-up, not counted: the JIT of both servers and of this process's client.
    for (let round = 0; round < 3; round++) {
      await burst(bot, connections.get(bot)!, fakes);
      await burst(bare, connections.get(bare)!, fakes);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [bot, bare] : [bare, bot];
      for (const server of order) {
        (server === bot ? mine : theirs).push(...(await burst(server, connections.get(server)!, fakes)));
        // The bot's answers to response_url follow each burst: let them finish before the next one.
        await pause(500);
      }
    }
  } finally {
    for (const open of connections.values()) for (const connection of open) connection.close();
    await bot.stop();
    await bare.stop();
  }
  const ratio = percentile(mine, 99) / percentile(theirs, 99);
  return [
    { name: 'ack p50, 50 concurrent /monai status', value: percentile(mine, 50), unit: ' ms', target: `bare Bolt ${percentile(theirs, 50).toFixed(1)} ms`, ok: true },
    { name: 'ack p99, 50 concurrent /monai status', value: percentile(mine, 99), unit: ' ms', target: `bare Bolt ${percentile(theirs, 99).toFixed(1)} ms`, ok: true },
    { name: 'ack p99 ratio, bot / bare Bolt', value: ratio, unit: '', target: '≤ 1.3', ok: ratio <= 1.3 },
  ];
}
