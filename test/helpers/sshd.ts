import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

/** `count` different free loopback ports (held together while chosen, so none is handed out twice). */
export async function freePorts(count: number): Promise<number[]> {
  const listening = (server: net.Server) => new Promise<net.Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  const servers = await Promise.all(Array.from({ length: count }, () => listening(net.createServer())));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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

/**
 * A real OpenSSH sshd on loopback with its own host key and config, accepting one public key.
 * `setEnv` reaches every session (sshd's SetEnv), as RunPod's image environment would.
 */
export async function createSshd(options: { dir: string; authorizedKey: string; setEnv: Record<string, string>; port?: number }): Promise<Sshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: install Debian's openssh-server (apt-get install -y openssh-server); .ci/run does.`);
  }
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
      child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
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
