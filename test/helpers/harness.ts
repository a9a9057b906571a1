import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createBot, type Bot, type BotDeps } from '../../src/bot.js';
import { loadConfig, type Config, type Env } from '../../src/config/load.js';
import type { CommandContext, MessageRef, Surface } from '../../src/frontend/surface.js';
import { createLogger, type Logger } from '../../src/log.js';
import { blocksToText, type Message } from '../../src/messages/blocks.js';
import { Redactor } from '../../src/redact.js';
import type { RunPodApi } from '../../src/runpod/api.js';
import { createRunPodApi, type RunPodApiDeps } from '../../src/runpod/factory.js';
import { RunPodSimulator, type SimulatorOptions } from '../../src/runpod/simulator/simulator.js';
import type { Intent } from '../../src/pod/desired.js';
import { OWNER_ENV } from '../../src/pod/installation.js';
import type { Requester, WantOutcome } from '../../src/pod/reconciler.js';
import { runningMonai } from './running-monai.js';
import { generateKeyPair, type KeyPair } from '../../src/ssh/keys.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { systemClock } from '../../src/util/clock.js';

export const SIM_KEY = 'sim0key0for0tests0123456';

/** Both adapters, for suites that run against each (describe.each). */
export const RUNPOD_APIS = ['v2', 'graphql'] as const;
export type RunPodApiName = (typeof RUNPOD_APIS)[number];

/** The API a harness uses unless told: RUNPOD_API from the test's env, else the process's, else v2 (the bot's default). */
export function defaultApi(env?: Env): RunPodApiName {
  const chosen = env?.['RUNPOD_API'] ?? process.env['RUNPOD_API'] ?? 'v2';
  return chosen === 'graphql' ? 'graphql' : 'v2';
}

/** Adds a pod named `name` that carries this bot's mark, as the bot's own deploy would (e.g. its pin was lost). */
export async function addOwnPod(harness: Harness, fields: Parameters<RunPodSimulator['addPod']>[0]) {
  const owner = await harness.bot.installation.installationId();
  return harness.sim.addPod({ ...fields, env: [...(fields.env ?? []), { key: OWNER_ENV, value: owner }] });
}

export interface Harness {
  sim: RunPodSimulator;
  config: Config;
  env: Env;
  bot: Bot;
  store: Store;
  logger: Logger;
  redactor: Redactor;
  runpod: RunPodApi;
  api: RunPodApiName;
  sshKey: KeyPair;
  dir: string;
  /** Everything logged so far, as text. */
  logs(): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The adapter (and the simulator's API it talks to); default: defaultApi(env). */
  api?: RunPodApiName;
  /** Overrides of the adapter's settings (tests read the balance fresh unless they say otherwise). */
  runpod?: Partial<RunPodApiDeps>;
  simulator?: Partial<SimulatorOptions>;
  env?: Env;
  bot?: Partial<BotDeps>;
  /** Use a key other than the simulator's. */
  apiKey?: string;
  sshKey?: KeyPair;
  /** Tests read debug logs; benchmarks run at the production level. */
  logLevel?: 'debug' | 'info';
}

/** The bot wired to a RunPod simulator over real HTTP, with a temporary SQLite file. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const api = options.api ?? defaultApi(options.env);
  // By default the pod's image already serves MONAI Label behind the gate (no SSH needed); real-pod.ts gives a real one.
  // No quota by default: tests poll far faster than a real bot (the quota has its own tests).
  const services = options.simulator?.services ?? runningMonai();
  const sim = await new RunPodSimulator({ apiKey: SIM_KEY, runtimeDelayMs: 30, v2RequestsPerMinute: 1_000_000, ...options.simulator, services }).start();
  const dir = mkdtempSync(join(tmpdir(), 'monai-pod-bot-'));
  const env: Env = {
    RUNPOD_API_KEY: options.apiKey ?? SIM_KEY,
    RUNPOD_API: api,
    RUNPOD_API_URL: sim.urlFor(api),
    DATABASE_PATH: join(dir, 'bot.sqlite'),
    RUNPOD_POLL_SECONDS: '0.05',
    POD_READY_TIMEOUT_MINUTES: '0.5',
    DICOMWEB_URL: 'http://127.0.0.1:9/dicom-web',
    MONAI_POLL_SECONDS: '0.1',
    ...options.env,
  };
  const config = loadConfig(env);
  const redactor = new Redactor(config.secrets);
  let logText = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    logText += chunk.toString('utf8');
  });
  const logger = createLogger({ level: options.logLevel ?? 'debug', format: 'json', redactor, stream });
  const runpod = createRunPodApi(
    { ...config.runpod, apiKey: config.runpod.apiKey ?? '' },
    { clock: systemClock, logger, placement: config.pod, baseDelayMs: 5, maxDelayMs: 40, timeoutMs: 2000, logQuietMs: 300, balanceMaxAgeMs: 0, ...options.runpod },
  );
  const store = openSqliteStore({ path: config.databasePath });
  const sshKey = options.sshKey ?? generateKeyPair();
  const bot = createBot({
    config,
    logger,
    redactor,
    runpod,
    store,
    sshKey,
    progressIntervalMs: 5,
    ...options.bot,
  });
  if ('attachGate' in services && typeof services.attachGate === 'function') (services as { attachGate: (gate: () => ReturnType<typeof bot.gate>) => void }).attachGate(() => bot.gate());
  return {
    sim,
    config,
    env,
    bot,
    store,
    logger,
    redactor,
    runpod,
    api,
    sshKey,
    dir,
    logs: () => logText,
    async close() {
      await bot.close();
      await sim.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Recorded {
  ref: MessageRef;
  versions: Message[];
  threadTs?: string;
}

/** A Surface that remembers every post, edit and private reply. */
export class RecordingSurface implements Surface {
  readonly posts: Recorded[] = [];
  readonly ephemerals: { channel: string; user: string; message: Message }[] = [];
  private next = 1;

  async post(channel: string, message: Message, options?: { threadTs?: string }): Promise<MessageRef> {
    const ref = { channel, ts: String(this.next++) };
    this.posts.push({ ref, versions: [message], ...(options?.threadTs ? { threadTs: options.threadTs } : {}) });
    return ref;
  }

  async update(ref: MessageRef, message: Message): Promise<void> {
    const post = this.posts.find((candidate) => candidate.ref.ts === ref.ts);
    if (!post) throw new Error(`no message ${ref.ts}`);
    post.versions.push(message);
  }

  async ephemeral(channel: string, user: string, message: Message): Promise<void> {
    this.ephemerals.push({ channel, user, message });
  }

  /** The latest text of every post, rendered as plain text. */
  texts(): string[] {
    return this.posts.map((post) => textOf(post.versions.at(-1)!));
  }
}

export function textOf(message: Message): string {
  return `${message.text}\n${blocksToText(message.blocks)}`;
}

export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs one /monai command as U0ALICE in C0LAB and waits for the work it started. */
export async function runCommand(
  harness: Harness,
  text: string,
  surface = new RecordingSurface(),
  who: { user?: string; channel?: string; origin?: CommandContext['origin'] } = {},
) {
  const user = who.user ?? 'U0ALICE';
  const channel = who.channel ?? 'C0LAB';
  const { work } = await harness.bot.router.handle({
    user,
    channel,
    origin: who.origin ?? 'slash',
    text,
    surface,
    reply: (message) => surface.ephemeral(channel, user, message),
  });
  await work;
  const last = surface.posts[0]?.versions.at(-1);
  return { surface, text: last ? textOf(last) : surface.ephemerals.map((entry) => textOf(entry.message)).join('\n') };
}

/** Says what is wanted of the pod, as a command would, as U0ALICE in C0LAB unless told otherwise. */
export function want(harness: Harness, intent: Intent | 'start' | 'stop' | 'restart', who: Partial<Requester> = {}): Promise<WantOutcome> {
  const models = ['deepgrow_2d', 'deepgrow_3d'];
  const full: Intent = typeof intent !== 'string' ? intent : intent === 'stop' ? { kind: 'stop' } : intent === 'restart' ? { kind: 'restart', models } : { kind: 'start', models, newPod: false };
  return harness.bot.reconciler.want(full, { user: 'U0ALICE', channel: 'C0LAB', ...who });
}
