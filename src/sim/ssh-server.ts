import { spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, PublicKeyAuthContext, ServerChannel } from 'ssh2';

export interface InProcessSshOptions {
  /** authorized_keys text: every usable key line is accepted (options before the key are ignored). */
  authorizedKeys: string;
  /** The one login name accepted, as sshd accepts only existing users. */
  user: string;
  /** The whole environment of every command: the container's env plus what sshd's SetEnv adds. */
  env: Record<string, string>;
  /** Working directory of every command (the user's home). */
  cwd: string;
  /** Listen on this loopback port; by default any free one, kept across stop/start. */
  port?: number;
  logger?: { warn(msg: string, meta?: object): void } | undefined;
  /** Called for every command run (benchmarks and tests count round trips). */
  onExec?: () => void;
}

const HOST = '127.0.0.1';
const KILL_GRACE_MS = 2_000;

/**
 * An SSH server inside this process, for machines without OpenSSH's sshd: public-key login for one
 * user, and exec requests run as `bash -c <command>` with a fixed environment, each in its own
 * process group, as sshd runs them through the user's shell. pty, shell, env and subsystem requests
 * are refused. Used by the console's simulated pods and by the tests' pod where sshd is missing.
 */
export class InProcessSshServer {
  private readonly keys: ParsedKey[];
  private readonly children = new Set<ChildProcess>();
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  private hostKey: string | null = null;
  private listeningPort: number;

  constructor(private readonly options: InProcessSshOptions) {
    this.keys = parseAuthorizedKeys(options.authorizedKeys, (msg, meta) => this.warn(msg, meta));
    this.listeningPort = options.port ?? 0;
  }

  /** The port it listens on (0 before the first start without a fixed port). */
  get port(): number {
    return this.listeningPort;
  }

  get running(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.hostKey ??= await ed25519HostKey();
    const sshd = new ssh2.Server({ hostKeys: [this.hostKey] }, (client) => this.onClient(client));
    sshd.on('error', (error: Error) => this.warn('in-process sshd error', { error: error.message }));
    // Our own listener hands sockets to ssh2, so stop() can cut every connection at once.
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      if (this.server !== server) return socket.destroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      sshd.injectSocket(socket);
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.listeningPort, HOST, () => resolve());
      });
    } catch (error) {
      this.server = null;
      throw error;
    }
    server.on('error', (error) => this.warn('in-process sshd listener error', { error: error.message }));
    this.listeningPort = (server.address() as net.AddressInfo).port;
  }

  /** Stops listening and drops every connection; commands started in the background keep running. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A new host key from the next start on, as a rebuilt machine (or an impostor) would present. */
  async newHostKey(): Promise<void> {
    this.hostKey = await ed25519HostKey();
  }

  /** Signals the process group of every command still running. */
  signalCommands(signal: NodeJS.Signals): void {
    for (const child of this.children) signalGroup(child, signal);
  }

  commandsRunning(): boolean {
    return [...this.children].some(isRunning);
  }

  private onClient(client: Connection): void {
    client.on('error', (error) => this.warn('in-process sshd: client error', { error: error.message }));
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === this.options.user && this.keys.some((key) => keyMatches(key, ctx))) {
        return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        // pty, shell, env and subsystem requests have no listener, so ssh2 refuses them.
        accept().on('exec', (acceptExec, reject, info) => {
          if (!this.server) return reject();
          this.exec(acceptExec(), info.command);
        });
      });
    });
  }

  private exec(stream: ServerChannel, command: string): void {
    this.options.onExec?.();
    const warn = (error: Error) => this.warn('in-process sshd: channel error', { error: error.message });
    stream.on('error', warn);
    stream.stderr.on('error', warn);
    // Its own process group, so stopping the container reaches what the command starts.
    const child = spawn('bash', ['-c', command], { cwd: this.options.cwd, env: this.options.env, detached: true, stdio: 'pipe' });
    this.children.add(child);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      this.children.delete(child);
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

  private warn(msg: string, meta?: object): void {
    this.options.logger?.warn(msg, meta);
  }
}

function parseAuthorizedKeys(text: string, warn: (msg: string, meta?: object) => void): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const line of text.split(/\r?\n/)) {
    // Options such as from="..." may precede the key; only type and data matter here.
    const match = /(?:^|\s)((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const parsed = ssh2.utils.parseKey(`${match[1]} ${match[2]}`);
    if (parsed instanceof Error) warn('in-process sshd: unusable authorized key line', { error: parsed.message });
    else keys.push(parsed);
  }
  return keys;
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

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Only while the leader is unreaped is its pid, and so its group id, surely still ours. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && isRunning(child)) signalPid(-child.pid, signal);
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {} // eslint-disable-line no-empty -- already gone
}
