// npm run bench: the figures users feel, each with its target; exits non-zero when one is missed.
// `npm run bench -- idle [--trace file.json]` runs only the idle-trace figures.
import { cpus, totalmem } from 'node:os';
import { ackLatency } from './ack.js';
import { apiEconomy } from './economy.js';
import { firstInstall } from './first-install.js';
import { footprint } from './footprint.js';
import { gateOverhead } from './gate.js';
import { idleTrace } from './idle.js';
import { startFakes } from './processes.js';
import { startOverhead } from './start.js';
import { line, missedFigure, type Figure } from './stats.js';

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
/** One group of figures; a group that throws is reported as not measured and the run goes on. */
const measure = async (name: string, group: () => Promise<Figure[]>) => {
  try {
    report(await group());
  } catch (error) {
    report([missedFigure(name, 'see above', error instanceof Error ? error.message : String(error))]);
  }
};

// First, so that its figures print within a minute even on a busy machine.
await measure('idle trace', () => idleTrace({ tracePath }));
if (only !== 'idle') {
  const fakes = await startFakes();
  try {
    await measure('ack latency', () => ackLatency(fakes));
    await measure('footprint', () => footprint(fakes));
  } finally {
    await fakes.close();
  }
  await measure('RunPod API economy (REST v2)', () => apiEconomy('v2'));
  await measure('RunPod API economy (GraphQL)', () => apiEconomy('graphql'));
  await measure('start overhead', startOverhead);
  await measure('the gate', gateOverhead);
  await measure('first install', firstInstall);
}

const goals = figures.filter((figure) => !figure.info);
const measured = goals.filter((figure) => figure.value !== null);
const failed = measured.filter((figure) => !figure.ok);
const unmeasured = goals.length - measured.length;
console.log(
  `${failed.length === 0 ? `all ${measured.length} measured figures on target` : `${failed.length} of ${measured.length} measured figures missed their target`}` +
    (unmeasured > 0 ? `; ${unmeasured} not measured (see MISS above)` : ''),
);
process.exit(failed.length === 0 ? 0 : 1);
