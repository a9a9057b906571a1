import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import type { RunPodApi } from '../runpod/api.js';
import { GraphQLRunPod } from '../runpod/graphql-client.js';
import type { PodServices } from '../runpod/simulator/services.js';
import { RunPodSimulator } from '../runpod/simulator/simulator.js';
import { FakeOrthanc } from '../sim/orthanc.js';
import { LocalPodHost } from '../sim/pod-host.js';
import { buildPodImage } from '../sim/pod-image.js';
import { buildStubIndex } from '../sim/pypi/index.js';
import { generateKeyPair, loadKeyPair, type KeyPair } from '../ssh/keys.js';
import { systemClock } from '../util/clock.js';

const run = promisify(execFile);
const SIMULATOR_KEY = 'simulator-key';

export interface SimulatedWorld {
  /** The configuration, pointed at the simulated pod's volume and Orthanc. */
  config: Config;
  runpod: RunPodApi;
  sshKey: KeyPair;
  simulator: RunPodSimulator;
  /** One line each, for the console to say what is simulated. */
  notes: string[];
  close(): Promise<void>;
}

/** A Python the simulated pod's image is made of: MONAI Label 0.8.5 needs 3.9–3.12. */
async function findPython(): Promise<string | null> {
  for (const candidate of ['python3.11', 'python3.10', 'python3.12', 'python3.9', 'python3']) {
    try {
      const { stdout } = await run(candidate, ['-c', 'import sys, venv; print(sys.version_info[:2] < (3, 13) and sys.version_info[:2] >= (3, 9))']);
      if (stdout.trim() === 'True') return candidate;
    } catch {
      // not installed, or no venv module: try the next
    }
  }
  return null;
}

/**
 * Everything the console needs when there is no RunPod key: the RunPod simulator, pods whose
 * "container" runs sshd and bash on this machine (in a temporary folder), a stand-in MONAI Label
 * installed by pip from a local wheel, and a fake Orthanc with a few CT series.
 */
export async function startSimulatedWorld(config: Config, logger: Logger): Promise<SimulatedWorld> {
  const root = await mkdtemp(join(tmpdir(), 'monai-pod-bot-sim-'));
  const volume = join(root, 'volume');
  const notes: string[] = [];
  const python = await findPython();
  const wheelhouse = join(root, 'wheels');
  let imageBin: string | undefined;
  if (python) {
    await buildStubIndex({ outDir: wheelhouse, python, version: config.monai.version });
    imageBin = (await buildPodImage({ dir: join(root, 'image'), hostPython: python, torch: '2.4.0', torchCuda: '12.4' })).bin;
  } else {
    notes.push('No Python 3.9–3.12 with venv found: the simulated pod cannot install MONAI Label’s stand-in.');
  }
  const orthanc = config.monai.dicomwebUrl ? null : await new FakeOrthanc({ series: 12 }).start();
  const host = new LocalPodHost({ rootDir: root, wheelhouse, ...(imageBin ? { imageBin } : {}), logger: logger.child({ component: 'simulated-pod' }) });
  const services: PodServices = {
    boot: (pod) => host.boot(pod),
    halt: (podId) => host.halt(podId),
    // Terminating deletes the volume, as on RunPod.
    destroy: async (podId) => {
      await host.destroy(podId);
      await rm(volume, { recursive: true, force: true });
    },
    close: () => host.close(),
  };
  const simulator = await new RunPodSimulator({
    apiKey: SIMULATOR_KEY,
    runtimeDelayMs: 1500,
    services,
    onError: (error) => logger.warn('simulator failure', { error }),
  }).start();
  const sshKey = existsSync(config.ssh.privateKeyPath) ? await loadKeyPair(config.ssh.privateKeyPath) : generateKeyPair();
  const simulated: Config = Object.freeze({
    ...config,
    pod: Object.freeze({ ...config.pod, volumeMountPath: volume }),
    ssh: Object.freeze({ ...config.ssh, user: 'root' }),
    monai: Object.freeze({
      ...config.monai,
      dicomwebUrl: orthanc?.url ?? config.monai.dicomwebUrl,
      ...(orthanc ? { dicomwebUsername: undefined, dicomwebPassword: undefined } : {}),
    }),
  });
  notes.push('No RUNPOD_API_KEY: using the built-in RunPod simulator (simulated pods, nothing is billed).');
  return {
    config: simulated,
    runpod: new GraphQLRunPod({ url: simulator.url, apiKey: SIMULATOR_KEY, clock: systemClock, logger }),
    sshKey,
    simulator,
    notes,
    async close() {
      await simulator.close();
      await orthanc?.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
