import { fileURLToPath } from 'node:url';
import { COST_VARIABLES } from '../src/config/vars-costs.js';
import { missedFigure, type Figure } from './stats.js';
import { traceFigures, traceSummary } from './trace/figures.js';
import { generateTrace } from './trace/generate.js';
import { replay } from './trace/replay.js';
import { readTrace, writeTrace, type Trace } from './trace/trace.js';

/** Where the generated fortnight is written; `TRACE_FILE=…` (or `--trace …`) replays another one. */
export const DEFAULT_TRACE = fileURLToPath(new URL('./traces/lab-fortnight.json', import.meta.url));

/** The bot's settings a comparison run may change, e.g. `IDLE_MINUTES=15 npm run bench -- idle`. */
const OVERRIDABLE = [...Object.keys(COST_VARIABLES).filter((name) => !name.startsWith('DIGEST_')), 'SSH_CONNECT_TIMEOUT_SECONDS'];

export function settingOverrides(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(OVERRIDABLE.flatMap((name) => (env[name] ? [[name, env[name]!]] : [])));
}

/**
 * Two weeks of a lab's life through the bot's idle guard, in virtual time: idle GPU-hours
 * reclaimed, stops during use, unnecessary warnings, hours billed for a MONAI Label that does not
 * answer, runway lead time, and dollars with and without the bot.
 */
export async function idleTrace(options: { tracePath?: string | undefined; env?: NodeJS.ProcessEnv; print?: (line: string) => void } = {}): Promise<Figure[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const began = performance.now();
  const missed = (name: string, error: unknown): Figure[] => [missedFigure(name, 'figures', error instanceof Error ? error.message : String(error))];
  let trace: Trace;
  let source: string;
  try {
    if (options.tracePath) {
      trace = readTrace(options.tracePath);
      source = options.tracePath;
    } else {
      trace = generateTrace();
      writeTrace(DEFAULT_TRACE, trace);
      source = `seed ${trace.seed}, written to bench/traces/lab-fortnight.json`;
    }
  } catch (error) {
    return missed('idle trace could not be read', error);
  }
  try {
    const record = await replay(trace, settingOverrides(options.env ?? process.env));
    print(traceSummary(record, source));
    const seconds = (performance.now() - began) / 1000;
    return [...traceFigures(record), { name: 'idle trace: wall time for the whole replay', value: seconds, unit: ' s', target: '< 60 s', ok: seconds < 60 }];
  } catch (error) {
    return missed('idle trace replay failed', error);
  }
}
