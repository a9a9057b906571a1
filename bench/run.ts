// npm run bench: the figures users feel, each with its target; exits non-zero when one is missed.
// `npm run bench -- idle [--trace file.json]` runs only the idle-trace figures.
import { cpus, totalmem } from 'node:os';
import { ackLatency } from './ack.js';
import { apiEconomy } from './economy.js';
import { footprint } from './footprint.js';
import { idleTrace } from './idle.js';
import { startFakes } from './processes.js';
import { startOverhead } from './start.js';
import { line, type Figure } from './stats.js';

const args = process.argv.slice(2);
const only = args.find((arg) => !arg.startsWith('--') && args[args.indexOf(arg) - 1] !== '--trace');
const tracePath = args.includes('--trace') ? args[args.indexOf('--trace') + 1] : process.env['TRACE_FILE'];

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
console.log(`monai-pod-bot benchmarks — ${machine}`);
const figures: Figure[] = [];
const report = (found: Figure[]) => {
  for (const figure of found) console.log(line(figure));
  figures.push(...found);
};

// First, so that its figures print within a minute even on a busy machine.
report(await idleTrace({ tracePath }));
if (only !== 'idle') {
  const fakes = await startFakes();
  try {
    report(await ackLatency(fakes));
    report(await footprint(fakes));
  } finally {
    await fakes.close();
  }
  report(await apiEconomy());
  report(await startOverhead());
}

const goals = figures.filter((figure) => !figure.info);
const missed = goals.filter((figure) => !figure.ok);
console.log(missed.length === 0 ? `all ${goals.length} figures on target` : `${missed.length} of ${goals.length} figures missed their target`);
process.exit(missed.length === 0 ? 0 : 1);
