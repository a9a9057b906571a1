// npm run bench: the figures users feel, each with its target; exits non-zero when one is missed.
import { cpus, totalmem } from 'node:os';
import { ackLatency } from './ack.js';
import { apiEconomy } from './economy.js';
import { firstInstall } from './first-install.js';
import { footprint } from './footprint.js';
import { startFakes } from './processes.js';
import { startOverhead } from './start.js';
import { line, type Figure } from './stats.js';

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
console.log(`monai-pod-bot benchmarks — ${machine}`);
const figures: Figure[] = [];
const report = (found: Figure[]) => {
  for (const figure of found) console.log(line(figure));
  figures.push(...found);
};

const fakes = await startFakes();
try {
  report(await ackLatency(fakes));
  report(await footprint(fakes));
} finally {
  await fakes.close();
}
report(await apiEconomy());
report(await startOverhead());
report(await firstInstall());

const missed = figures.filter((figure) => !figure.ok);
console.log(missed.length === 0 ? `all ${figures.length} figures on target` : `${missed.length} of ${figures.length} figures missed their target`);
process.exit(missed.length === 0 ? 0 : 1);
