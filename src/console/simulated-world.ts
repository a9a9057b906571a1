import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import type { RunPodApi } from '../runpod/api.js';
import { createRunPodApi } from '../runpod/factory.js';
import type { PodServices } from '../runpod/simulator/services.js';
import { RunPodSimulator } from '../runpod/simulator/simulator.js';
import { FakeOrthanc } from '../sim/orthanc.js';
import { LocalPodHost } from '../sim/pod-host.js';
import { buildPodImage } from '../sim/pod-image.js';
import { buildNodeStubIndex, buildStubIndex } from '../sim/pypi/index.js';
import { findPython } from '../sim/python.js';
import { generateKeyPair, loadKeyPair, type KeyPair } from '../ssh/keys.js';
import { systemClock } from '../util/clock.js';

const SIMULATOR_KEY = 'simulator-key';

export interface SimulatedWorldOptions {
  /** Where to look for Python (default: this process's PATH); tests hide Python with it. */
  searchPath?: string;
}

export interface SimulatedWorld {
  /** The configuration, pointed at the simulated pod's volume and Orthanc. */
  config: Config;
  runpod: RunPodApi;
  /** Where the adapter in use (RUNPOD_API, v2 by default) reaches the simulator. */
  apiUrl: string;
  sshKey: KeyPair;
  simulator: RunPodSimulator;
  /** One line each, for the console to say what is simulated. */
  notes: string[];
  close(): Promise<void>;
}

/**
 * Everything the console needs when there is no RunPod key: the RunPod simulator, pods whose
 * "container" runs an SSH server and bash on this machine (in a temporary folder) with a stand-in
 * of the default image (its Python with a stub of torch 2.4.0 for CUDA 12.4, an nvidia-smi), a
 * stand-in MONAI Label installed by pip from a local index of stub packages (src/sim/pypi), and a
 * fake Orthanc with a few CT series. Without a Python
 * 3.9–3.12 with venv, the pod's python, pip and MONAI Label are Node stand-ins (src/sim/nopython)
 * that answer the bot's same scripts.
 */
export async function startSimulatedWorld(config: Config, logger: Logger, options: SimulatedWorldOptions = {}): Promise<SimulatedWorld> {
  const root = await mkdtemp(join(tmpdir(), 'monai-pod-bot-sim-'));
  const volume = join(root, 'volume');
  const notes: string[] = [];
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  const python = await findPython(config.monai.python ?? 'python3', { ...process.env, PATH: searchPath });
  const wheelhouse = join(root, 'wheels');
  const podEnv: Record<string, string> = { PATH: searchPath };
  const image = { dir: join(root, 'image'), torch: '2.4.0', torchCuda: '12.4' } as const;
  let imageBin: string;
  if (python) {
    await buildStubIndex({ outDir: wheelhouse, python: python.executable, version: config.monai.version });
    imageBin = (await buildPodImage({ ...image, interpreter: { kind: 'python', executable: python.executable } })).bin;
  } else {
    await buildNodeStubIndex(wheelhouse, config.monai.version);
    imageBin = (await buildPodImage({ ...image, interpreter: { kind: 'node' } })).bin;
    notes.push(
      'No Python 3.9–3.12 with venv here: the simulated pod runs Node stand-ins for python, pip and MONAI Label (the Python one needs python3-venv).',
    );
  }
  const orthanc = config.monai.dicomwebUrl ? null : await new FakeOrthanc({ series: 12 }).start();
  const host = new LocalPodHost({ rootDir: root, wheelhouse, imageBin, env: podEnv, logger: logger.child({ component: 'simulated-pod' }) });
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
  notes.push(`No RUNPOD_API_KEY: using the built-in RunPod simulator over its ${config.runpod.api === 'v2' ? 'REST v2' : 'GraphQL'} API (simulated pods, nothing is billed).`);
  const apiUrl = simulator.urlFor(config.runpod.api);
  return {
    config: simulated,
    runpod: createRunPodApi(
      { api: config.runpod.api, apiKey: SIMULATOR_KEY, apiUrl, graphqlUrl: simulator.url },
      { clock: systemClock, logger, placement: config.pod },
    ),
    apiUrl,
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
