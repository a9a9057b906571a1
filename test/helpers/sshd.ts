import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InProcessSshServer } from '../../src/sim/ssh-server.js';
import { podTools } from './pod-tools.js';

const run = promisify(execFile);

/**
 * The first port the kernel hands out for outgoing connections and port-0 listeners. A simulated
 * pod keeps its ports across a stop and start (sshd, the container's 8000/8001), so they are chosen
 * below that range: a port the kernel picks for someone else, e.g. a test suite running beside
 * this one, can then never take one while the pod is stopped.
 */
function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 49_152;
  }
}

const LOWEST = 10_000;
const handedOut = new Set<number>();

function tryListen(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** `count` different free loopback ports below the ephemeral range (held together while chosen, so none is handed out twice). */
export async function freePorts(count: number): Promise<number[]> {
  const ceiling = ephemeralFloor();
  const held: net.Server[] = [];
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count; attempt++) {
    if (attempt > 10_000) throw new Error(`no free loopback port between ${LOWEST} and ${ceiling}`);
    const port = LOWEST + Math.floor(Math.random() * (ceiling - LOWEST));
    if (handedOut.has(port) || ports.includes(port)) continue;
    const server = await tryListen(port);
    if (!server) continue;
    held.push(server);
    ports.push(port);
  }
  await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  for (const port of ports) handedOut.add(port);
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Sshd {
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new host key, as a rebuilt machine (or an impostor) would present. */
  newHostKey(): Promise<void>;
}

export interface SshdOptions {
  dir: string;
  authorizedKey: string;
  /** Reaches every session (sshd's SetEnv), as RunPod's image environment would. */
  setEnv: Record<string, string>;
  port?: number;
}

/**
 * The pod's SSH server for this run (see test/helpers/pod-choice.ts): OpenSSH where the machine has
 * it, otherwise the in-process server; both let this user in with one key and run commands with bash.
 */
export async function createSshd(options: SshdOptions): Promise<Sshd> {
  const { sshd } = podTools().choice;
  return sshd.kind === 'openssh' ? createOpenSshd(sshd.path, options) : createInProcessSshd(options);
}

async function createInProcessSshd(options: SshdOptions): Promise<Sshd> {
  const { username, shell } = userInfo();
  // The pod's own home, as the console's simulated pod has one. bash takes the in-process server's
  // socket pair for an sshd's and reads ~/.bashrc: this machine's (pyenv init, which rehashes under
  // a lock that a killed session leaves behind, stalling every later one) is not a pod's.
  const home = join(options.dir, 'home');
  await mkdir(home, { recursive: true });
  const server = new InProcessSshServer({
    authorizedKeys: options.authorizedKey,
    user: username,
    // What an OpenSSH session starts with, then SetEnv.
    env: { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, USER: username, LOGNAME: username, SHELL: shell ?? '/bin/sh', ...options.setEnv },
    cwd: home,
    port: options.port ?? (await freePort()),
  });
  return {
    port: server.port,
    start: () => server.start(),
    stop: () => server.stop(),
    newHostKey: () => server.newHostKey(),
  };
}

/** A real OpenSSH sshd on loopback with its own host key and config, accepting one public key. */
async function createOpenSshd(sshdPath: string, options: SshdOptions): Promise<Sshd> {
  const dir = join(options.dir, 'sshd');
  await mkdir(dir, { recursive: true });
  // Privilege separation needs this directory when sshd runs as root.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true });
  const port = options.port ?? (await freePort());
  const hostKey = join(dir, 'host_ed25519');
  const newHostKey = async () => {
    await rm(hostKey, { force: true });
    await rm(`${hostKey}.pub`, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  };
  await newHostKey();
  const authorized = join(dir, 'authorized_keys');
  await writeFile(authorized, `${options.authorizedKey}\n`);
  await chmod(authorized, 0o600);
  const setEnv = Object.entries(options.setEnv)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'PrintMotd no',
      'LogLevel ERROR',
      `SetEnv ${setEnv}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  return {
    port,
    newHostKey,
    async start() {
      child = spawn(sshdPath, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`sshd exited (${code}): ${stderr}`))));
      await Promise.race([waitForPort(port, 10_000), exited]);
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const gone = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await gone;
    },
  };
}
