import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createBot } from './bot.js';
import { parseInvocation, USAGE } from './cli/args.js';
import { EXIT } from './cli/exit-codes.js';
import { loadSettings, readEnv } from './config/env-file.js';
import { ConfigError, type Config, type Env } from './config/load.js';
import { flushLogFile, createLogger, type Logger } from './log.js';
import { HealthMonitor } from './health/monitor.js';
import { Redactor } from './redact.js';
import type { SimulatedWorld } from './console/simulated-world.js';
import { isBotError } from './errors.js';
import type { RunPodApi } from './runpod/api.js';
import { createRunPodApi } from './runpod/factory.js';
import { loadKeyPairLazily, type KeyPair } from './ssh/keys.js';
import { troubleshootMessage } from './messages/knowledge.js';
import { createSlackApp } from './slack/app.js';
import { writeConfigIssues } from './startup/report.js';
import { startSlackWhenReachable } from './startup/slack-start.js';
import { databaseIssue, prepareLogFile } from './startup/writable.js';
import { openSqliteStore } from './store/sqlite.js';
import { systemClock } from './util/clock.js';
import { currentHost } from './util/host.js';
import { VERSION } from './version.js';

export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  interactive: boolean;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT). */
  stopSignal: Promise<string>;
}

export async function main(argv: readonly string[], rawEnv: Env, io: Io): Promise<number> {
  const invocation = parseInvocation(argv);
  if (invocation.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  if (invocation.kind === 'version') {
    io.stdout.write(`monai-pod-bot ${VERSION}\n`);
    return EXIT.OK;
  }
  if (invocation.kind === 'usage-error') {
    io.stderr.write(`monai-pod-bot: ${invocation.message}\n\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  const envFile = invocation.dotenv;
  let settings: ReturnType<typeof readEnv>;
  try {
    settings = readEnv(rawEnv, io.cwd, envFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeConfigIssues(io.stderr, error.issues);
    return EXIT.CONFIG;
  }
  const { env } = settings;
  if (invocation.check) {
    const { checkCommand } = await import('./check/cli.js');
    return checkCommand(env, io.stdout, { settingsFrom: envFile ? `${envFile} and the environment` : undefined, fileIssues: settings.issues });
  }
  const loaded = loadSettings(env, settings.issues);
  if (!loaded.config || loaded.issues.length > 0) {
    writeConfigIssues(io.stderr, loaded.issues);
    return EXIT.CONFIG;
  }
  let config: Config = loaded.config;
  const host = currentHost();
  const consoleMode = config.mode === 'console';
  const say = (line: string) => (consoleMode ? io.stdout : io.stderr).write(`${line}\n`);
  // Real pods need the bot's own SSH key; simulated ones get a throwaway one if there is none.
  let sshKey: KeyPair | null = null;
  if (config.runpod.apiKey) {
    try {
      sshKey = await loadKeyPairLazily(config.ssh.privateKeyPath);
    } catch (error) {
      if (!isBotError(error)) throw error;
      writeConfigIssues(io.stderr, [{ variable: 'SSH_PRIVATE_KEY_PATH', message: `SSH_PRIVATE_KEY_PATH: ${error.message}`, fix: error.action }]);
      return EXIT.CONFIG;
    }
  }
  // Before the logger: winston would fail later with "EACCES … mkdir" and no variable's name.
  const logFileIssue = config.log.file ? await prepareLogFile(config.log.file.path, host) : null;
  if (logFileIssue) {
    writeConfigIssues(io.stderr, [logFileIssue]);
    return EXIT.CONFIG;
  }
  const redactor = new Redactor([...config.secrets, sshKey?.privateKey]);
  // In the console, stdout is the conversation: the terminal gets warnings (everything with
  // LOG_LEVEL=debug), never the audit and progress lines; LOG_FILE still gets LOG_LEVEL.
  const logger = createLogger({
    level: config.log.level,
    streamLevel: consoleMode && config.log.level !== 'debug' ? 'warn' : undefined,
    format: config.log.format,
    redactor,
    stream: consoleMode ? io.stderr : io.stdout,
    file: config.log.file,
  });

  if (consoleMode) say('No Slack credentials (SLACK_BOT_TOKEN): starting the local console. Type /monai help; Ctrl-D quits.');
  let world: SimulatedWorld | null = null;
  let runpod: RunPodApi;
  let health: HealthMonitor | undefined;
  if (config.runpod.apiKey && sshKey) {
    const onCall = (result: { ok: boolean; operation: string; error?: { code: string } }) => health?.recordRunPodCall(result);
    runpod = createRunPodApi({ ...config.runpod, apiKey: config.runpod.apiKey }, { clock: systemClock, logger, onCall, placement: config.pod });
    if (consoleMode) say('Using your RunPod account: pods are real and bill by the hour.');
  } else {
    // Loaded only here: the simulator, the simulated pod host and graphql-js stay out of a Slack bot's memory.
    const { startSimulatedWorld } = await import('./console/simulated-world.js');
    world = await startSimulatedWorld(config, logger);
    for (const note of world.notes) say(note);
    ({ config, runpod, sshKey } = world);
  }
  // Simulated pods vanish with the process, so their records must too.
  let store: ReturnType<typeof openSqliteStore>;
  try {
    store = openSqliteStore({ path: world ? ':memory:' : config.databasePath });
  } catch (error) {
    writeConfigIssues(io.stderr, [await databaseIssue(config.databasePath, error, host)]);
    await world?.close();
    await flushLogFile(logger);
    return EXIT.CONFIG;
  }
  const bot = createBot({ config, logger, redactor, runpod, store, sshKey: sshKey! });

  try {
    if (consoleMode) {
      const { CONSOLE_CHANNEL, ConsoleSurface, runConsole } = await import('./console/console.js');
      const surface = new ConsoleSurface(io.stdout, redactor);
      const resumed = await bot.start(surface, CONSOLE_CHANNEL);
      await runConsole({ input: io.stdin, output: io.stdout, surface, router: bot.router, interactive: io.interactive });
      await Promise.all(resumed);
      await bot.close();
      return 0;
    }
    const work = new Set<Promise<void>>();
    const mode = config.mode === 'socket' ? 'socket' : 'http';
    health = new HealthMonitor({ clock: systemClock, version: VERSION, mode, pingDatabase: () => store.ping() });
    const started = await startSlackWhenReachable({
      config,
      mode,
      health,
      logger,
      stderr: io.stderr,
      stop: io.stopSignal,
      create: () =>
        createSlackApp({
          slack: config.slack!,
          mode,
          health,
          router: bot.router,
          logger,
          redactor,
          home: (user) => bot.home(user),
          answer: troubleshootMessage,
          claimButton: (key, user) => store.clicks.claim(key, user, Date.now()),
          onWork: (promise) => track(work, promise),
        }),
    });
    if ('exit' in started) return started.exit;
    const { slack, healthServer } = started;
    for (const promise of await bot.start(slack.surface, config.costs.digestChannel)) track(work, promise.then(() => undefined));
    logger.info('monai-pod-bot is running', { version: VERSION, mode: config.mode, pod: config.pod.name });
    if (config.startupCheck) track(work, logStartupCheck(config, logger));
    const signal = await Promise.race([io.stopSignal, slack.lost]);
    // Within 10 s: stop taking requests, let the work under way finish or pause it where it
    // stands (its state is saved; the next start carries on), update the messages, exit.
    logger.info('stopping', { signal });
    const stopping = Date.now();
    await slack.stop();
    healthServer?.close();
    await bot.shutdown(5000);
    await Promise.race([Promise.all(work), new Promise((resolve) => setTimeout(resolve, Math.max(0, 8500 - (Date.now() - stopping))).unref())]);
    logger.info('stopped', { afterMs: Date.now() - stopping });
    return signal === 'link_disabled' ? EXIT.CONFIG : EXIT.OK;
  } finally {
    await world?.close();
    await store.close();
    await flushLogFile(logger);
  }
}

/** The links the bot's own start does not prove (RunPod, DICOMweb, the digest channel), logged. */
async function logStartupCheck(config: Config, logger: Logger): Promise<void> {
  const { runChecks } = await import('./check/run.js');
  for (const result of await runChecks(config, { logger, timeoutMs: 5000, brief: true })) {
    const level = result.status === 'fail' ? 'error' : result.status === 'warn' ? 'warn' : 'info';
    logger.log(level, `check: ${result.title}: ${result.detail}`, result.fix && result.status !== 'pass' ? { fix: result.fix } : {});
  }
}

function track(work: Set<Promise<void>>, promise: Promise<void>): void {
  work.add(promise);
  void promise.finally(() => work.delete(promise));
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2), process.env, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true,
    stopSignal: stopSignal(),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`monai-pod-bot failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT.FAILURE);
    },
  );
}
