import { createBot } from '../src/bot.js';
import { loadConfig } from '../src/config/load.js';
import { startSimulatedWorld } from '../src/console/simulated-world.js';
import type { CommandContext } from '../src/frontend/surface.js';
import { createLogger } from '../src/log.js';
import { Redactor } from '../src/redact.js';
import { NodeSshConnector } from '../src/ssh/node-ssh.js';
import type { PodShell, PodShellConnector } from '../src/ssh/shell.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { systemClock } from '../src/util/clock.js';
import { RecordingSurface, textOf } from '../test/helpers/harness.js';
import { median, missedFigure, type Figure } from './stats.js';
import { PassThrough } from 'node:stream';

/** Counts what the bot asks of the pod: SSH commands, and the install steps they report. */
class CountingConnector implements PodShellConnector {
  runs = 0;
  pipInstalls = 0;
  downloads = 0;
  constructor(private readonly inner: PodShellConnector) {}

  reset(): void {
    this.runs = this.pipInstalls = this.downloads = 0;
  }

  async connect(...args: Parameters<PodShellConnector['connect']>): Promise<PodShell> {
    const shell = await this.inner.connect(...args);
    return {
      run: (script, options = {}) => {
        this.runs += 1;
        return shell.run(script, {
          ...options,
          onLine: (line, stream) => {
            if (line.includes('step=pip state=begin')) this.pipInstalls += 1;
            if (/step=app-\S+ state=begin/.test(line)) this.downloads += 1;
            options.onLine?.(line, stream);
          },
        });
      },
      close: () => shell.close(),
    };
  }
}

/** A surface that notes when the message carrying the URL for Slicer arrived. */
class TimedSurface extends RecordingSurface {
  postedUrlAt: number | null = null;
  override async update(...args: Parameters<RecordingSurface['update']>): Promise<void> {
    await super.update(...args);
    if (this.postedUrlAt === null && textOf(args[1]).includes('Paste into 3D Slicer')) this.postedUrlAt = performance.now();
  }
}

/**
 * Time from the moment the last readiness condition holds (ports mapped and /info/ answering
 * through the public port and the gate, watched by an independent prober every 20 ms) to the URL posted, with
 * the simulator and simulated pods (a real venv, pip and the MONAI Label stand-in). Cold = a new pod
 * (deploy, install); warm = resume of an installed pod.
 */
export async function startOverhead(): Promise<Figure[]> {
  const quiet = new PassThrough().resume();
  const logger = createLogger({ level: 'warn', format: 'json', redactor: new Redactor([]), stream: quiet });
  const world = await startSimulatedWorld(loadConfig({}), logger);
  world.simulator.runtimeDelayMs = 300;
  const config = world.config;
  const store = openSqliteStore({ path: ':memory:' });
  const connector = new CountingConnector(
    new NodeSshConnector({ privateKey: world.sshKey.privateKey, user: config.ssh.user, hostKeys: store.hostKeys, clock: systemClock, logger, connectTimeoutMs: 60_000 }),
  );
  const bot = createBot({ config, logger, redactor: new Redactor([]), runpod: world.runpod, store, sshKey: world.sshKey, connector });

  /** One start: the overhead in ms, or why it could not be measured. */
  const run = async (text: string): Promise<number | string> => {
    const surface = new TimedSurface();
    const ctx: CommandContext = { user: 'console', channel: 'console', origin: 'console', text, surface, reply: async () => {} };
    let readyAt: number | null = null;
    const { token } = await bot.gate();
    let probing = true;
    const prober = (async () => {
      while (probing && readyAt === null) {
        const pod = world.simulator.podByName(config.pod.name);
        const mapping = pod?.desiredStatus === 'RUNNING' ? pod.runtime?.ports.find((port) => port.privatePort === 8000 && port.isIpPublic) : undefined;
        if (mapping) {
          const ok = await fetch(`http://127.0.0.1:${mapping.publicPort}/${token}/info/`, { signal: AbortSignal.timeout(2000) }).then(
            (response) => response.ok,
            () => false,
          );
          if (ok) readyAt = performance.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const { work } = await bot.router.handle(ctx);
    await work;
    const postedAt = surface.postedUrlAt;
    if (postedAt === null) {
      probing = false;
      await prober;
      const last = surface.posts[0]?.versions.at(-1);
      return `the start ended without a URL: ${last ? textOf(last).split('\n')[0] : 'no message at all'}`;
    }
    // On a busy machine the prober can fall behind the bot: let it look once more, briefly.
    const giveUp = setTimeout(() => (probing = false), 5_000);
    await prober;
    clearTimeout(giveUp);
    probing = false;
    if (readyAt === null || readyAt > postedAt) return 'the URL went out before the independent prober saw /info/ answer';
    return postedAt - readyAt;
  };

  /** The median of what was measured, or the reasons nothing was. */
  const overhead = (name: string, samples: (number | string)[]): Figure => {
    const times = samples.filter((sample): sample is number => typeof sample === 'number');
    const misses = samples.filter((sample): sample is string => typeof sample === 'string');
    const why = [...new Set(misses)].join('; ');
    const label = `${name}, median of ${times.length}${misses.length > 0 ? ` (${misses.length} of ${samples.length} not measured: ${why})` : ''}`;
    if (times.length === 0) return missedFigure(`${name} (${samples.length} starts)`, '≤ 2 s', why);
    const value = median(times) / 1000;
    return { name: label, value, unit: ' s', target: '≤ 2 s', ok: value <= 2 };
  };

  const cold: (number | string)[] = [];
  const warm: (number | string)[] = [];
  const warmWork = { runs: 0, pip: 0, downloads: 0 };
  try {
    for (let index = 0; index < 5; index++) {
      const pod = world.simulator.podByName(config.pod.name);
      if (pod) await world.simulator.terminate(pod.id);
      cold.push(await run('start'));
    }
    for (let index = 0; index < 5; index++) {
      await bot.router.handle({ user: 'console', channel: 'console', origin: 'console', text: 'stop', surface: new RecordingSurface(), reply: async () => {} }).then(({ work }) => work);
      connector.reset();
      warm.push(await run('start'));
      warmWork.runs = Math.max(warmWork.runs, connector.runs);
      warmWork.pip += connector.pipInstalls;
      warmWork.downloads += connector.downloads;
    }
  } finally {
    await bot.close();
    await world.close();
    await store.close();
  }
  return [
    overhead('start overhead, cold (deploy + install)', cold),
    overhead('start overhead, warm (resume)', warm),
    { name: 'warm start: pip installs (5 resumes)', value: warmWork.pip, unit: '', target: '0', ok: warmWork.pip === 0 },
    { name: 'warm start: app downloads (5 resumes)', value: warmWork.downloads, unit: '', target: '0', ok: warmWork.downloads === 0 },
    { name: 'warm start: SSH round trips (most in one resume)', value: warmWork.runs, unit: '', target: '≤ 3', ok: warmWork.runs <= 3 },
  ];
}
