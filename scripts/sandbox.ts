// npm run sandbox: Slack, RunPod and Orthanc faked on loopback, so the setup guide can be followed
// end to end on one machine: it writes an env file for `npm run check` and `npm start`, then sends
// what you type to the bot as a /monai slash command over Socket Mode and prints what the bot posts.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/load.js';
import { renderPlain } from '../src/console/console.js';
import { startSimulatedWorld } from '../src/console/simulated-world.js';
import { createLogger } from '../src/log.js';
import type { Message } from '../src/messages/blocks.js';
import { Redactor } from '../src/redact.js';
import { FakeSlack } from '../test/helpers/fake-slack.js';

const DIR = resolve('data/sandbox');
const ENV_FILE = join(DIR, 'sandbox.env');
const CHANNEL = 'C0SANDBOX';
/** A channel the bot has not been invited to, to rehearse that mistake (and /invite). */
const OTHER_CHANNEL = 'C0RANDOM';
const USER = 'U0SANDBOX';
const BOT_TOKEN = `xoxb-sandbox-${randomUUID()}`;
const APP_TOKEN = `xapp-1-sandbox-${randomUUID()}`;
const print = (line: string) => process.stdout.write(`${line}\n`);

mkdirSync(DIR, { recursive: true });
const logger = createLogger({ level: 'warn', format: 'pretty', redactor: new Redactor([]), stream: process.stderr });
// As strict as Slack: only these tokens, only these channels, and only where the bot was invited.
const channels = new Map([
  [CHANNEL, { name: 'annotation', member: true }],
  [OTHER_CHANNEL, { name: 'random', member: false }],
]);
const slack = await new FakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN, channels }).start();
const world = await startSimulatedWorld(loadConfig({}), logger);
const keyPath = join(DIR, 'id_ed25519');
writeFileSync(keyPath, world.sshKey.privateKey, { mode: 0o600 });
const { config } = world;
const env: Record<string, string> = {
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_APP_TOKEN: APP_TOKEN,
  SLACK_API_URL: slack.apiUrl,
  RUNPOD_API_KEY: 'simulator-key',
  RUNPOD_API: world.config.runpod.api,
  RUNPOD_API_URL: world.apiUrl,
  SSH_PRIVATE_KEY_PATH: keyPath,
  SSH_USER: config.ssh.user,
  VOLUME_MOUNT_PATH: config.pod.volumeMountPath,
  // POD_PYTHON stays unset: the bot finds the simulated image's Python that has torch.
  DICOMWEB_URL: config.monai.dicomwebUrl ?? '',
  DATABASE_PATH: join(DIR, 'bot.sqlite'),
  DIGEST_CHANNEL: CHANNEL,
  ALLOWED_CHANNEL_IDS: CHANNEL,
  ADMIN_USER_IDS: USER,
};
writeFileSync(ENV_FILE, `# Written by npm run sandbox: every link points at a fake on this machine.\n${Object.entries(env).map(([key, value]) => `${key}=${value}`).join('\n')}\n`);
for (const note of world.notes.filter((note) => !note.startsWith('No RUNPOD_API_KEY'))) print(note);
print(`Sandbox: fake Slack ${slack.apiUrl}, RunPod simulator ${world.apiUrl}, Orthanc ${env['DICOMWEB_URL']}`);
print(`Slack workspace “Lab”: you are ${USER} (an admin); #annotation is ${CHANNEL} (the bot is in it, commands come from there), #random is ${OTHER_CHANNEL} (not invited: /invite #random here invites it).`);
print(`Settings written to ${ENV_FILE}. In another terminal, in this folder:`);
print(`  npm run check -- --dotenv ${ENV_FILE}`);
print(`  npm start -- --dotenv ${ENV_FILE}`);
print('Then type /monai commands here (e.g. /monai start); the bot’s answers appear below. Ctrl-D quits.');

// What the bot posts, as it arrives: channel messages (an edit prints only its new lines, as the
// console does) and private answers.
const printedLines = new Map<string, Set<string>>();
let seenResponses = 0;
const show = () => {
  for (const message of slack.messages.values()) {
    const seen = printedLines.get(message.ts) ?? new Set<string>();
    printedLines.set(message.ts, seen);
    for (const line of renderPlain({ text: message.text, blocks: message.blocks as Message['blocks'] }).split('\n')) {
      if (seen.has(line)) continue;
      seen.add(line);
      print(`[#sandbox] ${line}`);
    }
  }
  for (const response of slack.responses.slice(seenResponses)) {
    const message = { text: String(response.body['text'] ?? ''), blocks: (response.body['blocks'] ?? []) as Message['blocks'] };
    print(`[only you] ${renderPlain(message).split('\n').join('\n           ')}`);
  }
  seenResponses = slack.responses.length;
};
const watcher = setInterval(show, 200);

const send = async (line: string) => {
  const invite = /^\/invite\s+(\S+)/.exec(line.trim());
  if (invite) {
    const id = [...channels].find(([channelId, channel]) => channelId === invite[1] || `#${channel.name}` === invite[1])?.[0];
    return print(id && slack.invite(id) ? `The bot is now a member of #${channels.get(id)!.name} (${id}).` : `No channel ${invite[1]} in this workspace.`);
  }
  const text = line.trim().replace(/^\/monai\b\s*/, '');
  if (slack.sockets.size === 0) return print('The bot is not connected yet: start it with npm start -- --dotenv … first.');
  await slack.sendEnvelope('slash_commands', {
    token: 'sandbox',
    team_id: 'T0LAB',
    team_domain: 'lab',
    channel_id: CHANNEL,
    channel_name: 'sandbox',
    user_id: USER,
    user_name: 'you',
    command: '/monai',
    text,
    api_app_id: 'A0MONAI',
    response_url: slack.responseUrl(),
    trigger_id: randomUUID(),
  });
};

const input = createInterface({ input: process.stdin });
for await (const line of input) if (line.trim()) await send(line);
// Input ended (Ctrl-D, or the end of a pipe): let the last answers arrive, then close everything.
await new Promise((done) => setTimeout(done, 1000));
show();
clearInterval(watcher);
// Slack's way of closing the door (Socket Mode switched off): a connected bot says so and stops,
// rather than reconnecting to a Slack that is gone.
if (slack.sockets.size > 0) {
  slack.disableSocketMode();
  print('Sandbox closed: the bot was told Slack turned Socket Mode off, and stops.');
  // The bot closes its side when it hears it; a bot that does not is cut off after 3 s.
  for (let waited = 0; slack.sockets.size > 0 && waited < 3000; waited += 50) await new Promise((done) => setTimeout(done, 50));
}
await world.close();
await slack.close();
process.exit(0);
