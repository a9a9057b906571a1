import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Target } from '../../src/runpod/simulator/ports.js';
import type { PodServices } from '../../src/runpod/simulator/services.js';
import { FakeOrthanc } from '../../src/sim/orthanc.js';
import { installScript } from '../../src/monai/setup-script.js';
import { CONTAINER_NET } from '../../src/sim/pod-host.js';
import { buildStandinWheel } from '../../src/sim/wheel.js';
import { NodeSshConnector } from '../../src/ssh/node-ssh.js';
import { systemClock } from '../../src/util/clock.js';
import { generateKeyPair, type KeyPair } from '../../src/ssh/keys.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { createSshd, freePorts, type Sshd } from './sshd.js';

const run = promisify(execFile);

export const ORTHANC_USER = 'orthanc';
export const ORTHANC_PASSWORD = "0rth@nc p'ss $(id)";

export interface RealPod {
  harness: Harness;
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
  /** Installs MONAI Label on the volume over SSH, as a first start would, without the bot. */
  preinstall(): Promise<void>;
  close(): Promise<void>;
}

function killGate(volume: string): void {
  const pidfile = join(volume, '.monai-pod-bot', 'gate.pid');
  if (!existsSync(pidfile)) return;
  try {
    process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGKILL');
  } catch {
    // already gone
  }
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

async function python3(): Promise<string> {
  // The absolute path: sshd sessions do not see this shell's PATH (pyenv shims and the like).
  const { stdout } = await run('python3', ['-c', 'import sys; print(sys.executable)']);
  return stdout.trim();
}

/**
 * A "pod" whose container is this machine: a real OpenSSH sshd (as RunPod's image runs), a real
 * Python venv on a temporary volume, pip served from a local wheel of the MONAI Label stand-in,
 * and a fake Orthanc with Basic auth. Stopping the pod ends MONAI Label (its alive file goes).
 */
export async function startRealPod(options: HarnessOptions & { sshdDelayMs?: number } = {}): Promise<RealPod> {
  const sshKey: KeyPair = options.sshKey ?? generateKeyPair();
  const dir = await mkdtemp(join(tmpdir(), 'monai-real-pod-'));
  const wheels = join(dir, 'wheels');
  const volume = join(dir, 'volume');
  const eventsFile = join(dir, 'events.jsonl');
  const faultsFile = join(dir, 'faults.json');
  const alive = join(dir, 'alive');
  await buildStandinWheel({ outDir: wheels, python: await python3() });
  const orthanc = await new FakeOrthanc({ series: 7, username: ORTHANC_USER, password: ORTHANC_PASSWORD }).start();
  const [monaiPort, internalPort, sshPort] = (await freePorts(3)) as [number, number, number];
  const sshd = await createSshd({
    port: sshPort,
    dir,
    authorizedKey: sshKey.publicKey,
    setEnv: {
      PIP_NO_INDEX: '1',
      PIP_FIND_LINKS: wheels,
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
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
    boot: async () => {
      await writeFile(alive, 'up\n');
      return targets;
    },
    // The container stops: its processes die at once (MONAI Label and the gate with them); the volume stays.
    halt: async () => {
      await rm(alive, { force: true });
      killStarted(eventsFile);
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
      POD_PYTHON: await python3(),
      SSH_USER: userInfo().username,
      SSH_CONNECT_TIMEOUT_SECONDS: '20',
      DICOMWEB_URL: orthanc.url,
      DICOMWEB_USERNAME: ORTHANC_USER,
      DICOMWEB_PASSWORD: ORTHANC_PASSWORD,
      MONAI_READY_TIMEOUT_MINUTES: '2',
      ...options.env,
    },
  });
  await mkdir(volume, { recursive: true });
  if (options.sshdDelayMs) setTimeout(() => void sshd.start(), options.sshdDelayMs).unref();
  else await sshd.start();
  const pidOf = (name: string) => () => {
    const pidfile = join(volume, '.monai-pod-bot', name);
    return existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : null;
  };
  const serverPid = pidOf('server.pid');
  return {
    harness,
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
    async preinstall() {
      const { config, sshKey, store, logger } = harness;
      const connector = new NodeSshConnector({ privateKey: sshKey.privateKey, user: config.ssh.user, hostKeys: store.hostKeys, clock: systemClock, logger, connectTimeoutMs: 20_000 });
      const shell = await connector.connect({ podId: 'preinstall', host: '127.0.0.1', port: sshd.port });
      try {
        const { monai } = config;
        const { token } = await harness.bot.gate();
        const settings = { volume, python: monai.python, version: monai.version, models: monai.models, sam2: false, dicomwebUrl: monai.dicomwebUrl!, dicomwebUsername: monai.dicomwebUsername, dicomwebPassword: monai.dicomwebPassword, gate: { token, blocked: monai.blockedRoutes } };
        const result = await shell.run(installScript(settings));
        if (result.code !== 0) throw new Error(`preinstall failed: ${result.stderr}`);
      } finally {
        shell.close();
        await store.hostKeys.forget('preinstall');
      }
    },
    async close() {
      killStarted(eventsFile);
      killGate(volume);
      await sshd.stop();
      await orthanc.close();
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function readVolumeFile(pod: RealPod, relative: string): Promise<string> {
  return readFile(join(pod.volume, relative), 'utf8');
}
