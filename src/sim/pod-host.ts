import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Target } from '../runpod/simulator/ports.js';
import type { BootInfo, PodServices } from '../runpod/simulator/services.js';
import { gpuFileText } from './pod-image.js';
import { InProcessSshServer, signalPid } from './ssh-server.js';

export interface LocalPodHostOptions {
  /** Pods live in <rootDir>/pods/<podId>; the home dir there stands in for the volume. */
  rootDir: string;
  /** Local wheels for pip, since a simulated pod has no package index. */
  wheelhouse?: string;
  /** The image's bin folder (its Python with torch, nvidia-smi): first on the pod's PATH. */
  imageBin?: string;
  faultsFile?: string;
  eventsFile?: string;
  env?: Record<string, string>;
  logger?: { warn(msg: string, meta?: object): void };
}

interface Running {
  podId: string;
  home: string;
  alive: string;
  env: Record<string, string>;
  ssh: InProcessSshServer | null;
  halted: boolean;
}

const HOST = '127.0.0.1';
const KILL_GRACE_MS = 2_000;
/** Python processes in a simulated pod find the container's ports through this (see its sitecustomize.py). */
export const CONTAINER_NET = fileURLToPath(new URL('./container-net', import.meta.url));

/**
 * What runs inside a simulated pod, on the user's own machine: sshd (only when PUBLIC_KEY is set,
 * as in RunPod's images) whose exec requests run bash in the pod's home, and a reserved loopback
 * port that the gate, once started over ssh, serves as the pod's port 8000 (MONAI Label listens on
 * another, behind it).
 */
export class LocalPodHost implements PodServices {
  private readonly running = new Map<string, Running>();
  private readonly monaiPorts = new Map<string, number>();
  /** Commands run over SSH on all pods so far. */
  execCount = 0;
  private readonly internalPorts = new Map<string, number>();
  // Pod processes run in their own process groups, so they would outlive a crashed host.
  private readonly onExit = () => {
    for (const pod of this.running.values()) pod.ssh?.signalCommands('SIGKILL');
  };

  constructor(private readonly options: LocalPodHostOptions) {
    process.on('exit', this.onExit);
  }

  async boot(pod: BootInfo): Promise<ReadonlyMap<number, Target>> {
    // A boot is a fresh container: whatever a previous boot left behind is gone.
    await this.halt(pod.podId);
    const dir = this.podDir(pod.podId);
    const home = path.join(dir, 'home');
    const alive = path.join(dir, 'alive');
    const running: Running = { podId: pod.podId, home, alive, env: {}, ssh: null, halted: false };
    this.running.set(pod.podId, running);
    await mkdir(home, { recursive: true });
    await writeFile(alive, `${new Date().toISOString()}\n`);
    const monaiPort = await reservePort(this.monaiPorts.get(pod.podId));
    this.monaiPorts.set(pod.podId, monaiPort);
    // The system may hand out the port it just gave back: the two container ports must differ.
    const internalPort = await reservePort(this.internalPorts.get(pod.podId), monaiPort);
    this.internalPorts.set(pod.podId, internalPort);
    const gpuFile = path.join(dir, 'gpu.json');
    await writeFile(gpuFile, gpuFileText({ name: pod.gpuName, driverCuda: pod.driverCuda }));
    running.env = { ...this.childEnv(pod, running, monaiPort, internalPort), SIMPOD_GPU_FILE: gpuFile };
    const targets = new Map<number, Target>();
    const publicKey = pod.env.PUBLIC_KEY?.trim();
    if (publicKey) {
      // New host keys on every boot, as a restarted container regenerates them.
      running.ssh = new InProcessSshServer({
        authorizedKeys: publicKey,
        user: 'root',
        env: running.env,
        cwd: home,
        logger: this.options.logger,
        onExec: () => this.execCount++,
      });
      await running.ssh.start();
      targets.set(22, { host: HOST, port: running.ssh.port });
    }
    targets.set(8000, { host: HOST, port: monaiPort });
    // halt() ran while this boot was under way: undo what it started after halt looked.
    if (running.halted) await this.teardown(running.alive, running);
    return targets;
  }

  async halt(podId: string): Promise<void> {
    const running = this.running.get(podId);
    this.running.delete(podId);
    // Without a record (e.g. an earlier host process) there may still be processes to stop.
    await this.teardown(path.join(this.podDir(podId), 'alive'), running);
  }

  async destroy(podId: string): Promise<void> {
    await this.halt(podId);
    this.monaiPorts.delete(podId);
    this.internalPorts.delete(podId);
    await rm(this.podDir(podId), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((podId) => this.halt(podId)));
    process.off('exit', this.onExit);
  }

  private podDir(podId: string): string {
    // The id ends up in rm -r; never let it climb out of rootDir.
    if (!/^[A-Za-z0-9_-]+$/.test(podId)) throw new Error(`Invalid pod id: ${podId}`);
    return path.join(this.options.rootDir, 'pods', podId);
  }

  /** `monaiPort`: the pod's exposed port 8000 (the gate's); `internalPort`: 8001, MONAI Label's behind it. */
  private childEnv(pod: BootInfo, running: Running, monaiPort: number, internalPort: number): Record<string, string> {
    const { wheelhouse, faultsFile, eventsFile } = this.options;
    return {
      // RunPod exports the pod's env vars to ssh sessions too; the host's own env stays out.
      ...pod.env,
      RUNPOD_POD_ID: pod.podId,
      HOME: running.home,
      LANG: 'C.UTF-8',
      PIP_NO_INDEX: '1',
      ...(wheelhouse ? { PIP_FIND_LINKS: wheelhouse } : {}),
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_CACHE_DIR: path.join(running.home, '.cache', 'pip'),
      ...this.options.env,
      // The image's own bin folder (its Python with torch, nvidia-smi) comes first, as in a real image.
      PATH: [this.options.imageBin, this.options.env?.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].filter(Boolean).join(':'),
      SIMPOD_PORT_8000: String(monaiPort),
      SIMPOD_PORT_8001: String(internalPort),
      PYTHONPATH: CONTAINER_NET,
      // Keeps the source tree (where CONTAINER_NET lives) free of __pycache__ directories.
      PYTHONDONTWRITEBYTECODE: '1',
      SIMPOD_ALIVE_FILE: running.alive,
      ...(faultsFile ? { MONAILABEL_STANDIN_FAULTS: faultsFile } : {}),
      ...(eventsFile ? { MONAILABEL_STANDIN_EVENTS: eventsFile } : {}),
    };
  }

  private async teardown(alive: string, running: Running | undefined): Promise<void> {
    if (running) running.halted = true;
    await unlink(alive).catch(() => {});
    const ssh = running?.ssh;
    await ssh?.stop();
    // Docker-style stop: TERM everything the pod started, KILL what is left after a grace period.
    const stragglers = async () => [...new Set(await processesWithEnv(`SIMPOD_ALIVE_FILE=${alive}`))];
    const signalAll = async (signal: NodeJS.Signals) => {
      ssh?.signalCommands(signal);
      for (const pid of await stragglers()) signalPid(pid, signal);
    };
    await signalAll('SIGTERM');
    const deadline = Date.now() + KILL_GRACE_MS;
    while (Date.now() < deadline && (ssh?.commandsRunning() || (await stragglers()).length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await signalAll('SIGKILL');
  }

  private warn(msg: string, meta?: object): void {
    this.options.logger?.warn(msg, meta);
  }
}

/**
 * Processes started inside a pod carry its alive-file path in their environment, which finds
 * them even after they left their exec's process group (nohup, setsid). Linux only.
 */
async function processesWithEnv(entry: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  const found = await Promise.all(
    pids.map(async (pid) => {
      if (pid === process.pid) return null;
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
      return environ.split('\0').includes(entry) ? pid : null;
    }),
  );
  return found.filter((pid): pid is number => pid !== null);
}

/** A free loopback port, the previous one if it is still free. */
async function reservePort(preferred: number | undefined, taken?: number): Promise<number> {
  if (preferred && preferred !== taken) {
    const port = await probePort(preferred).catch(() => null);
    if (port !== null) return port;
  }
  for (;;) {
    const port = await probePort(0);
    if (port !== taken) return port;
  }
}

function probePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}
