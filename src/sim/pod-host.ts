import { spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, PublicKeyAuthContext, ServerChannel } from 'ssh2';
import type { Target } from '../runpod/simulator/ports.js';
import type { BootInfo, PodServices } from '../runpod/simulator/services.js';
import { gpuFileText } from './pod-image.js';

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
  server: net.Server | null;
  sockets: Set<net.Socket>;
  children: Set<ChildProcess>;
  halted: boolean;
}

const HOST = '127.0.0.1';
const KILL_GRACE_MS = 2_000;

/**
 * What runs inside a simulated pod, on the user's own machine: sshd (only when PUBLIC_KEY is set,
 * as in RunPod's images) whose exec requests run bash in the pod's home, and a reserved loopback
 * port that MONAI Label, once started over ssh, serves as the pod's port 8000.
 */
export class LocalPodHost implements PodServices {
  execCount = 0;
  private readonly running = new Map<string, Running>();
  private readonly monaiPorts = new Map<string, number>();
  // Pod processes run in their own process groups, so they would outlive a crashed host.
  private readonly onExit = () => {
    for (const pod of this.running.values()) for (const child of pod.children) signalGroup(child, 'SIGKILL');
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
    const running: Running = { podId: pod.podId, home, alive, env: {}, server: null, sockets: new Set(), children: new Set(), halted: false };
    this.running.set(pod.podId, running);
    await mkdir(home, { recursive: true });
    await writeFile(alive, `${new Date().toISOString()}\n`);
    const monaiPort = await reservePort(this.monaiPorts.get(pod.podId));
    this.monaiPorts.set(pod.podId, monaiPort);
    const gpuFile = path.join(dir, 'gpu.json');
    await writeFile(gpuFile, gpuFileText({ name: pod.gpuName, driverCuda: pod.driverCuda }));
    running.env = { ...this.childEnv(pod, running, monaiPort), SIMPOD_GPU_FILE: gpuFile };
    const targets = new Map<number, Target>();
    const publicKey = pod.env.PUBLIC_KEY?.trim();
    if (publicKey) {
      const sshPort = await this.startSshd(running, this.authorizedKeys(publicKey));
      targets.set(22, { host: HOST, port: sshPort });
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

  private childEnv(pod: BootInfo, running: Running, monaiPort: number): Record<string, string> {
    const { wheelhouse, faultsFile, eventsFile } = this.options;
    return {
      // RunPod exports the pod's env vars to ssh sessions too; the host's own env stays out.
      ...pod.env,
      RUNPOD_POD_ID: pod.podId,
      PATH: [this.options.imageBin, process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].filter(Boolean).join(':'),
      HOME: running.home,
      LANG: 'C.UTF-8',
      PIP_NO_INDEX: '1',
      ...(wheelhouse ? { PIP_FIND_LINKS: wheelhouse } : {}),
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_CACHE_DIR: path.join(running.home, '.cache', 'pip'),
      ...this.options.env,
      SIMPOD_PORT_8000: String(monaiPort),
      SIMPOD_ALIVE_FILE: running.alive,
      ...(faultsFile ? { MONAILABEL_STANDIN_FAULTS: faultsFile } : {}),
      ...(eventsFile ? { MONAILABEL_STANDIN_EVENTS: eventsFile } : {}),
    };
  }

  private authorizedKeys(text: string): ParsedKey[] {
    const keys: ParsedKey[] = [];
    for (const line of text.split(/\r?\n/)) {
      // Options such as from="..." may precede the key; only type and data matter here.
      const match = /(?:^|\s)((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(line);
      if (!match || line.trim().startsWith('#')) continue;
      const parsed = ssh2.utils.parseKey(`${match[1]} ${match[2]}`);
      if (parsed instanceof Error) this.warn('simulated sshd: unusable PUBLIC_KEY line', { error: parsed.message });
      else keys.push(parsed);
    }
    return keys;
  }

  private async startSshd(running: Running, keys: ParsedKey[]): Promise<number> {
    // New host keys on every boot, as a restarted container regenerates them.
    const hostKey = await ed25519HostKey();
    const sshd = new ssh2.Server({ hostKeys: [hostKey] }, (client) => this.onClient(running, client, keys));
    sshd.on('error', (error: Error) => this.warn('simulated sshd error', { podId: running.podId, error: error.message }));
    // Our own listener hands sockets to ssh2, so halt can cut every connection at once.
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      if (running.halted) return socket.destroy();
      running.sockets.add(socket);
      socket.on('close', () => running.sockets.delete(socket));
      sshd.injectSocket(socket);
    });
    server.on('error', (error) => this.warn('simulated sshd listener error', { podId: running.podId, error: error.message }));
    running.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  private onClient(running: Running, client: Connection, keys: ParsedKey[]): void {
    client.on('error', (error) => this.warn('simulated sshd: client error', { podId: running.podId, error: error.message }));
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === 'root' && keys.some((key) => keyMatches(key, ctx))) {
        return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        // pty, shell, env and subsystem requests have no listener, so ssh2 refuses them.
        accept().on('exec', (acceptExec, reject, info) => {
          if (running.halted) return reject();
          this.exec(running, acceptExec(), info.command);
        });
      });
    });
  }

  private exec(running: Running, stream: ServerChannel, command: string): void {
    this.execCount++;
    const warn = (error: Error) => this.warn('simulated sshd: channel error', { podId: running.podId, error: error.message });
    stream.on('error', warn);
    stream.stderr.on('error', warn);
    // Its own process group, so stopping the container reaches what the command starts.
    const child = spawn('bash', ['-c', command], { cwd: running.home, env: running.env, detached: true, stdio: 'pipe' });
    running.children.add(child);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      running.children.delete(child);
      try {
        if (signal) stream.exit(signal);
        else stream.exit(code ?? 255);
      } catch {
        stream.exit(255); // a signal SSH has no name for
      }
      stream.end();
    };
    child.on('error', (error) => {
      stream.stderr.write(`bash: ${error.message}\n`);
      finish(127, null);
    });
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    stream.pipe(child.stdin);
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream.stderr, { end: false });
    // 'close' waits for stdout/stderr too: like sshd, a background job holding them keeps the
    // channel open.
    child.on('close', (code, signal) => finish(code, signal));
    stream.on('close', () => {
      if (!isRunning(child)) return;
      signalGroup(child, 'SIGHUP');
      setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS).unref();
    });
  }

  private async teardown(alive: string, running: Running | undefined): Promise<void> {
    if (running) running.halted = true;
    await unlink(alive).catch(() => {});
    if (running) {
      for (const socket of running.sockets) socket.destroy();
      const server = running.server;
      running.server = null;
      if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // Docker-style stop: TERM everything the pod started, KILL what is left after a grace period.
    const children = [...(running?.children ?? [])];
    const stragglers = async () => [...new Set(await processesWithEnv(`SIMPOD_ALIVE_FILE=${alive}`))];
    const signalAll = async (signal: NodeJS.Signals) => {
      for (const child of children) signalGroup(child, signal);
      for (const pid of await stragglers()) signalPid(pid, signal);
    };
    await signalAll('SIGTERM');
    const deadline = Date.now() + KILL_GRACE_MS;
    while (Date.now() < deadline && (children.some(isRunning) || (await stragglers()).length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await signalAll('SIGKILL');
  }

  private warn(msg: string, meta?: object): void {
    this.options.logger?.warn(msg, meta);
  }
}

/**
 * ssh2's keygen strips leading zero bytes from ed25519 public keys, so about 1 key in 256 does
 * not parse (mscdex/ssh2#1390, #1513); such a host key would make the server throw.
 */
async function ed25519HostKey(): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const pair = await new Promise<{ private: string }>((resolve, reject) =>
      ssh2.utils.generateKeyPair('ed25519', (error, generated) => (error ? reject(error) : resolve(generated))),
    );
    // ssh2.Server takes the key as text only, whatever its typings say.
    const parsed = ssh2.utils.parseKey(pair.private);
    if (!(parsed instanceof Error)) return pair.private;
    if (attempt >= 20) throw parsed;
  }
}

function keyMatches(key: ParsedKey, ctx: PublicKeyAuthContext): boolean {
  const data = key.getPublicSSH();
  if (ctx.key.algo !== key.type || ctx.key.data.length !== data.length || !timingSafeEqual(ctx.key.data, data)) {
    return false;
  }
  // Without a signature the client only asks whether the key would do.
  if (!ctx.signature) return true;
  return ctx.blob !== undefined && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Only while the leader is unreaped is its pid, and so its group id, surely still ours. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && isRunning(child)) signalPid(-child.pid, signal);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {} // eslint-disable-line no-empty -- already gone
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
async function reservePort(preferred: number | undefined): Promise<number> {
  if (preferred) {
    const port = await probePort(preferred).catch(() => null);
    if (port !== null) return port;
  }
  return probePort(0);
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
