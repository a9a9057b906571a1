import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gateConfig } from '../../src/monai/gate.js';
import { installFakePython } from '../../src/sim/nopython/launcher.js';
import { CONTAINER_NET } from '../../src/sim/pod-host.js';
import { COMPILED_NOPYTHON, podTools } from './pod-tools.js';
import { freePort } from './sshd.js';

const GATE = fileURLToPath(new URL('../../src/monai/gate.py', import.meta.url));

/**
 * Which `python` runs gate.py: CPython, or the no-Python stand-in's, which runs its Node twin
 * (src/sim/nopython/gate/). The same tests hold both.
 */
export type GateKind = 'python' | 'node';

/** The gates this run can exercise: the Node one always, gate.py under CPython where Python is. */
export function gateKinds(): GateKind[] {
  return podTools().choice.python.kind === 'python' ? ['python', 'node'] : ['node'];
}

export interface RunningGate {
  kind: GateKind;
  port: number;
  root: string;
  /** The root plus the secret path segment, no trailing slash. */
  base: string;
  digest: string;
  child: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

/**
 * `python gate.py gate.json` as the start script runs it, with the configuration the bot writes
 * (listen 0.0.0.0:8000, MONAI Label at 127.0.0.1:8001); the simulated container's network puts those
 * ports on loopback. `kind` (default: CPython where this run has it) says whose python.
 */
export async function startGate(options: { upstreamPort: number; token: string; blocked?: readonly string[]; kind?: GateKind }): Promise<RunningGate> {
  const kind = options.kind ?? gateKinds()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'monai-gate-'));
  const config = gateConfig({ token: options.token, blocked: options.blocked ?? ['/proxy/', '/ohif/', '/batch/'] });
  const file = join(dir, 'gate.json');
  await writeFile(file, config.json, { mode: 0o600 });
  const port = await freePort();
  const python = kind === 'python' ? 'python3' : await installFakePython(join(dir, 'bin'), COMPILED_NOPYTHON);
  const child = spawn(python, [GATE, file], {
    env: { PATH: process.env['PATH'] ?? '', PYTHONPATH: CONTAINER_NET, PYTHONDONTWRITEBYTECODE: '1', SIMPOD_PORT_8000: String(port), SIMPOD_PORT_8001: String(options.upstreamPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the gate did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const root = `http://127.0.0.1:${port}`;
  return {
    kind,
    port,
    root,
    base: `${root}/${options.token}`,
    digest: config.digest,
    child,
    output: () => output,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The gate the bot of `harness` expects (its token, its blocked routes) in front of `upstreamPort`. */
export async function startGateFor(harness: { bot: { gate(): Promise<{ token: string; digest: string }> }; config: { monai: { blockedRoutes: readonly string[] } } }, upstreamPort: number): Promise<RunningGate> {
  const { token, digest } = await harness.bot.gate();
  const gate = await startGate({ upstreamPort, token, blocked: harness.config.monai.blockedRoutes });
  if (gate.digest !== digest) throw new Error('the gate started for the test is not the one the bot expects');
  return gate;
}

/** A response read off a raw socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Raw HTTP/1.1 on one connection, exactly as written (fetch would tidy dot segments and encodings
 * away): sends each request in turn and reads its response (Content-Length or chunked). Resolves
 * with the responses read before the connection closed.
 */
export function rawExchange(port: number, requests: readonly (string | Buffer)[]): Promise<{ responses: RawResponse[]; interim: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const responses: RawResponse[] = [];
    const interim: string[] = [];
    let buffer = Buffer.alloc(0);
    let next = 0;
    const send = () => {
      if (next < requests.length) socket.write(requests[next++]!);
      else socket.end();
    };
    const parse = () => {
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(statusLine!.split(' ')[1]);
        if (status >= 100 && status < 200) {
          interim.push(statusLine!);
          buffer = buffer.subarray(end + 4);
          continue;
        }
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        let rest = buffer.subarray(end + 4);
        let body: Buffer;
        if (headers['transfer-encoding'] === 'chunked') {
          const parts: Buffer[] = [];
          for (;;) {
            const line = rest.indexOf('\r\n');
            if (line < 0) return;
            const size = parseInt(rest.subarray(0, line).toString(), 16);
            if (rest.length < line + 2 + size + 2) return;
            parts.push(rest.subarray(line + 2, line + 2 + size));
            rest = rest.subarray(line + 2 + size + 2);
            if (size === 0) break;
          }
          body = Buffer.concat(parts);
        } else {
          const length = Number(headers['content-length'] ?? 0);
          if (rest.length < length) return;
          body = rest.subarray(0, length);
          rest = rest.subarray(length);
        }
        responses.push({ status, headers, body });
        buffer = rest;
        send();
      }
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      parse();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ responses, interim }));
  });
}
