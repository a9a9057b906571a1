import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Target } from '../../src/runpod/simulator/ports.js';
import type { PodServices } from '../../src/runpod/simulator/services.js';
import { FakeOrthanc } from '../../src/sim/orthanc.js';
import { inject } from 'vitest';
import { stackStamp } from '../../src/monai/python-stack.js';
import { installScript } from '../../src/monai/stack-script.js';
import { buildPodImage, gpuFileText, type PodImage, type PodImageOptions } from '../../src/sim/pod-image.js';
import { NodeSshConnector } from '../../src/ssh/node-ssh.js';
import { systemClock } from '../../src/util/clock.js';
import { generateKeyPair, type KeyPair } from '../../src/ssh/keys.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { createSshd, freePort, type Sshd } from './sshd.js';

const run = promisify(execFile);

export const ORTHANC_USER = 'orthanc';
export const ORTHANC_PASSWORD = "0rth@nc p'ss $(id)";

export interface RealPod {
  harness: Harness;
  /** The pod's image: its Python with torch, first on the pod's PATH. */
  image: PodImage;
  sshd: Sshd;
  orthanc: FakeOrthanc;
  volume: string;
  monaiPort: number;
  /** JSON lines the stand-in writes for each app download and server start. */
  events(): { event: string; app?: string; pid?: number }[];
  /** Writes the stand-in's fault file (read when a server starts). */
  faults(faults: Record<string, unknown>): Promise<void>;
  serverPid(): number | null;
  /** Installs MONAI Label on the volume over SSH, as a first start would, without the bot. */
  preinstall(): Promise<void>;
  close(): Promise<void>;
}

function killStarted(eventsFile: string): void {
  if (!existsSync(eventsFile)) return;
  for (const line of readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean)) {
    const event = JSON.parse(line) as { event: string; pid?: number };
    if (event.event !== 'start_server' || !event.pid) continue;
    try {
      process.kill(event.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The machine's Python the pod's image is made of: one MONAI Label 0.8.5 supports, when there is one. */
async function hostPython(): Promise<string> {
  for (const candidate of ['python3', 'python3.12', 'python3.11', 'python3.10']) {
    try {
      const { stdout } = await run(candidate, ['-c', 'import sys; print((3, 9) <= sys.version_info[:2] <= (3, 12))']);
      if (stdout.trim() === 'True') return candidate;
    } catch {
      // not installed: try the next
    }
  }
  return 'python3';
}

export type RealPodImage = Pick<PodImageOptions, 'torch' | 'torchCuda' | 'commands'>;
export const DEFAULT_IMAGE: RealPodImage = { torch: '2.4.0', torchCuda: '12.4' };

/**
 * A "pod" whose container is this machine: a real OpenSSH sshd (as RunPod's image runs), a real
 * Python venv on a temporary volume, pip served from a local wheel of the MONAI Label stand-in,
 * and a fake Orthanc with Basic auth. Stopping the pod ends MONAI Label (its alive file goes).
 */
export async function startRealPod(options: HarnessOptions & { sshdDelayMs?: number; image?: RealPodImage } = {}): Promise<RealPod> {
  const sshKey: KeyPair = options.sshKey ?? generateKeyPair();
  const dir = await mkdtemp(join(tmpdir(), 'monai-real-pod-'));
  const volume = join(dir, 'volume');
  const eventsFile = join(dir, 'events.jsonl');
  const faultsFile = join(dir, 'faults.json');
  const alive = join(dir, 'alive');
  const gpuFile = join(dir, 'gpu.json');
  const image = await buildPodImage({ dir: join(dir, 'image'), hostPython: await hostPython(), ...(options.image ?? DEFAULT_IMAGE) });
  const orthanc = await new FakeOrthanc({ series: 7, username: ORTHANC_USER, password: ORTHANC_PASSWORD }).start();
  const monaiPort = await freePort();
  const sshd = await createSshd({
    dir,
    authorizedKey: sshKey.publicKey,
    setEnv: {
      // The image's Python and nvidia-smi come first, as on a RunPod PyTorch image.
      PATH: `${image.bin}:/usr/local/bin:/usr/bin:/bin`,
      SIMPOD_GPU_FILE: gpuFile,
      PIP_NO_INDEX: '1',
      PIP_FIND_LINKS: inject('stubIndex'),
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      SIMPOD_PORT_8000: String(monaiPort),
      SIMPOD_ALIVE_FILE: alive,
      MONAILABEL_STANDIN_EVENTS: eventsFile,
      MONAILABEL_STANDIN_FAULTS: faultsFile,
    },
  });
  const targets = new Map<number, Target>([
    [22, { host: '127.0.0.1', port: sshd.port }],
    [8000, { host: '127.0.0.1', port: monaiPort }],
  ]);
  const services: PodServices = {
    boot: async (pod) => {
      await writeFile(alive, 'up\n');
      await writeFile(gpuFile, gpuFileText({ name: pod.gpuName, driverCuda: pod.driverCuda }));
      return targets;
    },
    // The container stops: its processes die at once (MONAI Label with them); the volume stays.
    halt: async () => {
      await rm(alive, { force: true });
      killStarted(eventsFile);
    },
    destroy: async () => {
      await rm(alive, { force: true });
      await rm(volume, { recursive: true, force: true });
    },
    close: async () => {},
  };
  const harness = await startHarness({
    ...options,
    sshKey,
    simulator: { ...options.simulator, services },
    env: {
      VOLUME_MOUNT_PATH: volume,
      // An absolute path: bash run by sshd reads ~/.bashrc, which may put this machine's own
      // Python (pyenv shims and the like) before the image's. The search itself is tested in
      // test/monai/python-stack.test.ts.
      POD_PYTHON: image.python,
      SSH_USER: userInfo().username,
      SSH_CONNECT_TIMEOUT_SECONDS: '20',
      DICOMWEB_URL: orthanc.url,
      DICOMWEB_USERNAME: ORTHANC_USER,
      DICOMWEB_PASSWORD: ORTHANC_PASSWORD,
      MONAI_READY_TIMEOUT_MINUTES: '8',
      ...options.env,
    },
  });
  await mkdir(volume, { recursive: true });
  if (options.sshdDelayMs) setTimeout(() => void sshd.start(), options.sshdDelayMs).unref();
  else await sshd.start();
  const serverPid = () => {
    const pidfile = join(volume, '.monai-pod-bot', 'server.pid');
    return existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : null;
  };
  return {
    harness,
    image,
    sshd,
    orthanc,
    volume,
    monaiPort,
    events: () =>
      existsSync(eventsFile)
        ? readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string })
        : [],
    faults: (faults) => writeFile(faultsFile, JSON.stringify(faults)),
    serverPid,
    async preinstall() {
      const { config, sshKey, store, logger } = harness;
      const connector = new NodeSshConnector({ privateKey: sshKey.privateKey, user: config.ssh.user, hostKeys: store.hostKeys, clock: systemClock, logger, connectTimeoutMs: 20_000 });
      const shell = await connector.connect({ podId: 'preinstall', host: '127.0.0.1', port: sshd.port });
      try {
        const { monai } = config;
        const settings = { volume, python: monai.python, version: monai.version, models: monai.models, sam2: false, dicomwebUrl: monai.dicomwebUrl!, dicomwebUsername: monai.dicomwebUsername, dicomwebPassword: monai.dicomwebPassword };
        const plan = { python: image.python, pythonVersion: await pythonVersion(image.python), torch: options.image?.torch ?? DEFAULT_IMAGE.torch, torchvision: null, sam2: false };
        const result = await shell.run(installScript(settings, plan));
        if (result.code !== 0) throw new Error(`preinstall failed: ${result.stderr}`);
        if ((await readFile(join(volume, '.monai-pod-bot', 'stack.txt'), 'utf8')).trim() !== stackStamp(monai.version)) throw new Error('preinstall left no stamp');
      } finally {
        shell.close();
        await store.hostKeys.forget('preinstall');
      }
    },
    async close() {
      killStarted(eventsFile);
      await sshd.stop();
      await orthanc.close();
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function pythonVersion(python: string): Promise<string> {
  const { stdout } = await run(python, ['-c', 'import platform; print(platform.python_version())']);
  return stdout.trim();
}

export async function readVolumeFile(pod: RealPod, relative: string): Promise<string> {
  return readFile(join(pod.volume, relative), 'utf8');
}
