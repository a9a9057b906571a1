import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGate } from '../test/helpers/gate.js';
import { startStandin } from '../test/helpers/standin.js';
import { median, type Figure } from './stats.js';

const BIG = 200 * 1024 * 1024;
const ROUNDS = 5;
const SMALL = 50;

/** GET `url` on `agent` and read the body to the end; resolves with the bytes read. */
function download(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await work();
  return performance.now() - began;
}

/**
 * What the gate on the pod costs: gate.py in front of the MONAI Label stand-in, against the
 * stand-in directly, on loopback. A 200 MB image download (Next Sample's) and 50 small requests
 * in a row on one kept-alive connection (Slicer's /info/ and friends), rounds interleaved.
 */
export async function gateOverhead(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'monai-bench-gate-'));
  const standin = await startStandin(dir, { kind: 'python', faults: { imageBytes: BIG } });
  const token = randomBytes(24).toString('base64url');
  const gate = await startGate({ upstreamPort: standin.port, token, kind: 'python' });
  const routes = { direct: standin.url, gate: gate.base };
  const agents = { direct: new Agent({ keepAlive: true, maxSockets: 1 }), gate: new Agent({ keepAlive: true, maxSockets: 1 }) };
  const big = { direct: [] as number[], gate: [] as number[] };
  const small = { direct: [] as number[], gate: [] as number[] };
  try {
    for (const way of ['direct', 'gate'] as const) await download(`${routes[way]}/info/`, agents[way]); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of ['direct', 'gate'] as const) {
        big[way].push(
          await timed(async () => {
            const bytes = await download(`${routes[way]}/datastore/image?image=series-${round}`, agents[way]);
            if (bytes !== BIG) throw new Error(`${way}: ${bytes} bytes, not ${BIG}`);
          }),
        );
        small[way].push(
          await timed(async () => {
            for (let index = 0; index < SMALL; index++) await download(`${routes[way]}/info/`, agents[way]);
          }),
        );
      }
    }
  } finally {
    agents.direct.destroy();
    agents.gate.destroy();
    await gate.close();
    standin.kill();
    await rm(dir, { recursive: true, force: true });
  }
  const bigRatio = median(big.gate) / median(big.direct);
  const smallRatio = median(small.gate) / median(small.direct);
  const throughput = BIG / 2 ** 20 / (median(big.gate) / 1000);
  const added = (median(small.gate) - median(small.direct)) / SMALL;
  return [
    { name: `gate: 200 MB download, through the gate / direct, median of ${ROUNDS}`, value: bigRatio, unit: '', target: '≤ 2', ok: bigRatio <= 2 },
    { name: 'gate: 200 MB download through the gate', value: throughput, unit: ' MB/s', target: '≥ 200 MB/s, above a pod’s network', ok: throughput >= 200 },
    { name: `gate: ${SMALL} small requests on one connection, through the gate / direct, median of ${ROUNDS}`, value: smallRatio, unit: '', target: '≤ 2', ok: smallRatio <= 2 },
    { name: `gate: latency it adds to a small request (${SMALL} in a row)`, value: added, unit: ' ms', target: '≤ 1 ms', ok: added <= 1 },
  ];
}
