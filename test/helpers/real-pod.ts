import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../src/runpod/simulator/ports.js';
import type { PodServices } from '../../src/runpod/simulator/services.js';
import { FakeOrthanc } from '../../src/sim/orthanc.js';
import { CONTAINER_NET } from '../../src/sim/pod-host.js';
import { gpuFileText, type PodImage, type PodImageOptions } from '../../src/sim/pod-image.js';
import { generateKeyPair, type KeyPair } from '../../src/ssh/keys.js';
import { onTestFinished } from 'vitest';
import { runCommand, startHarness, type Harness, type HarnessOptions } from './harness.js';
import { buildImage, podEnv, podTools, seedInstalledVenv } from './pod-tools.js';
import { createSshd, freePorts, type Sshd } from './sshd.js';

export const ORTHANC_USER = 'orthanc';
export const ORTHANC_PASSWORD = "0rth@nc p'ss $(id)";

export interface RealPod {
  harness: Harness;
  /** The pod's image: its Python with torch, first on the pod's PATH. */
  image: PodImage;
  sshd: Sshd;
  orthanc: FakeOrthanc;
  volume: string;
  /** Where the pod's port 8000 (the gate) is served; RunPod's public mapping forwards to it. */
  monaiPort: number;
  /** Where MONAI Label itself listens, behind the gate (the container's port 8001). */
  internalPort: number;
  gatePid(): number | null;
  /** JSON lines the stand-in writes for each app download and server start. */
  events(): { event: string; app?: string; pid?: number }[];
  /** Writes the stand-in's fault file (read when a server starts). */
  faults(faults: Record<string, unknown>): Promise<void>;
  serverPid(): number | null;
  close(): Promise<void>;
}

/**
 * SIGKILL a process the pod started, only if it still is that process: PIDs wrap within minutes on a
 * busy machine, and a recorded PID may by now be someone else's (an empty pidfile would be 0, this
 * whole test run's group). Where /proc exists, its command line must name the pod's volume.
 */
function killPodProcess(pid: number, volume: string): void {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  try {
    const cmdline = `/proc/${pid}/cmdline`;
    if (existsSync('/proc/self/cmdline') && !readFileSync(cmdline, 'utf8').includes(volume)) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function killGate(volume: string): void {
  const pidfile = join(volume, '.monai-pod-bot', 'gate.pid');
  if (!existsSync(pidfile)) return;
  killPodProcess(Number(readFileSync(pidfile, 'utf8').trim()), volume);
}

function killStarted(eventsFile: string, volume: string): void {
  if (!existsSync(eventsFile)) return;
  for (const line of readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean)) {
    const event = JSON.parse(line) as { event: string; pid?: number };
    if (event.event === 'start_server' && event.pid) killPodProcess(event.pid, volume);
  }
}

export interface RealPodOptions extends HarnessOptions {
  /** sshd starts only once the bot has been refused (and is retrying), as on a container still booting. */
  sshdStartsLate?: boolean;
  /**
   * `installed` (the default): the volume already holds the venv with monailabel and its pinned
   * dependencies, as after a first start, so the setup skips the slow venv and pip steps; `empty`:
   * a new volume, installed from scratch.
   */
  volume?: 'installed' | 'empty';
  /** Another pod image than the run's default (torch 2.4.0 for CUDA 12.4), built for this pod. */
  image?: Pick<PodImageOptions, 'torch' | 'torchCuda' | 'commands'>;
}

/**
 * A "pod" whose container is this machine: an SSH server (OpenSSH's sshd as RunPod's image runs,
 * or the in-process one where sshd is missing), a pod image (a Python with a stub of torch 2.4.0
 * for CUDA 12.4 and an nvidia-smi whose driver is the simulated host's; CPython, or the Node
 * stand-ins where Python is missing), a venv on a temporary volume, pip served from the run's stub
 * index, and a fake Orthanc with Basic auth. Stopping the pod ends MONAI Label (its alive file goes).
 */
export async function startRealPod(options: RealPodOptions = {}): Promise<RealPod> {
  const tools = podTools();
  const sshKey: KeyPair = options.sshKey ?? generateKeyPair();
  const dir = await mkdtemp(join(tmpdir(), 'monai-real-pod-'));
  const volume = join(dir, 'volume');
  const eventsFile = join(dir, 'events.jsonl');
  const faultsFile = join(dir, 'faults.json');
  const alive = join(dir, 'alive');
  await mkdir(volume, { recursive: true });
  if (options.volume !== 'empty') await seedInstalledVenv(volume);
  const gpuFile = join(dir, 'gpu.json');
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  const image = options.image ? await buildImage(tools.choice, join(dir, 'image'), options.image) : tools.image;
  const orthanc = await new FakeOrthanc({ series: 7, username: ORTHANC_USER, password: ORTHANC_PASSWORD }).start();
  const [monaiPort, internalPort, sshPort] = (await freePorts(3)) as [number, number, number];
  const sshd = await createSshd({
    port: sshPort,
    dir,
    authorizedKey: sshKey.publicKey,
    setEnv: {
      // The image's Python and nvidia-smi come first, as on a RunPod PyTorch image.
      ...podEnv(image, tools.wheels),
      // The pod's own home: this machine's ~/.bashrc (pyenv, conda…) is no part of a pod, and would
      // put its own Python first and run its own start-up work in every session.
      HOME: home,
      SIMPOD_GPU_FILE: gpuFile,
      SIMPOD_PORT_8000: String(monaiPort),
      SIMPOD_PORT_8001: String(internalPort),
      PYTHONPATH: CONTAINER_NET,
      PYTHONDONTWRITEBYTECODE: '1',
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
    // The container stops: its processes die at once (MONAI Label and the gate with them); the volume stays.
    halt: async () => {
      await rm(alive, { force: true });
      killStarted(eventsFile, volume);
      killGate(volume);
    },
    destroy: async () => {
      await rm(alive, { force: true });
      killGate(volume);
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
      SSH_USER: userInfo().username,
      SSH_CONNECT_TIMEOUT_SECONDS: '20',
      DICOMWEB_URL: orthanc.url,
      DICOMWEB_USERNAME: ORTHANC_USER,
      DICOMWEB_PASSWORD: ORTHANC_PASSWORD,
      MONAI_READY_TIMEOUT_MINUTES: '2',
      ...options.env,
    },
  });
  let lateStart: NodeJS.Timeout | undefined;
  if (options.sshdStartsLate) {
    lateStart = setInterval(() => {
      if (!harness.logs().includes('sshd not up yet, retrying')) return;
      clearInterval(lateStart);
      void sshd.start();
    }, 20);
  } else await sshd.start();
  const pidOf = (name: string) => () => {
    const pidfile = join(volume, '.monai-pod-bot', name);
    return existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : null;
  };
  const serverPid = pidOf('server.pid');
  return {
    harness,
    image,
    sshd,
    orthanc,
    volume,
    monaiPort,
    internalPort,
    gatePid: pidOf('gate.pid'),
    events: () =>
      existsSync(eventsFile)
        ? readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string })
        : [],
    faults: (faults) => writeFile(faultsFile, JSON.stringify(faults)),
    serverPid,
    async close() {
      clearInterval(lateStart);
      killStarted(eventsFile, volume);
      killGate(volume);
      await sshd.stop();
      await orthanc.close();
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A pod for the current test only: closed when the test finishes, whatever its outcome. */
export async function startRealPodForTest(options: RealPodOptions = {}): Promise<RealPod> {
  const pod = await startRealPod(options);
  onTestFinished(() => pod.close());
  return pod;
}

/** Runs one /monai command and returns what it posted (see runCommand). */
export async function podCommand(pod: RealPod, text: string) {
  return (await runCommand(pod.harness, text)).surface;
}

export async function readVolumeFile(pod: RealPod, relative: string): Promise<string> {
  return readFile(join(pod.volume, relative), 'utf8');
}
