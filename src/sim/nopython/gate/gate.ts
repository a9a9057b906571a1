import { connect, type Socket } from 'node:net';
import { hostAddress, type Address } from '../container-net.js';
import { asDict, CHUNK, copyBody, framing, Malformed, pyInt, readHead, Refused, type Field, type Frame } from './http1.js';
import { admitted, ALWAYS_BLOCKED, blocked, normalise, parseRule, withPrefix, type Rule } from './rules.js';
import { closeSocket, ConnectionBroken, drain, IncompleteRead, StreamReader, writeAndDrain } from './stream.js';

/**
 * The Node twin of src/monai/gate.py's Gate class, for pods whose `python` is the no-Python
 * stand-in: the same decisions, the same bytes on the wire, function for function (serve,
 * exchange, pump, relay_response, with_prefix, refuse, report). test/monai/gate.test.ts runs its
 * one suite against both, and the interpreter runs this only for the gate.py it was written
 * against (MIRRORED_GATE_SHA256 in ./main.ts): change gate.py, and change this with it.
 */

export const HEAD_LIMIT = 64 * 1024;
const IDLE_SECONDS = 120;
const MAX_CONNECTIONS = 512;
// A refused request's body is read and dropped up to this size, so the refusal arrives intact.
const DISCARD_LIMIT = 64 * 1024 * 1024;
const NO_BODY_STATUS = new Set([204, 304]);

export interface GateFile {
  listen: [string, number];
  upstream: [string, number];
  token: string;
  blocked?: string[];
  digest?: unknown;
}

interface Upstream {
  reader: StreamReader;
  socket: Socket;
}

/** One client connection's upstream connection, kept across its requests. */
interface Link {
  upstream: Upstream | null;
}

interface Pump {
  done: boolean;
  failed: boolean;
  finished: Promise<void>;
}

const TIMED_OUT = Symbol('timed out');

/** asyncio.wait_for without the cancel: the work left behind ends with its connection. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** str() of a JSON value, as Python writes it. */
function pyStr(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

export class Gate {
  readonly token: Buffer;
  readonly upstream: Address;
  readonly rules: Rule[];
  readonly digest: string;
  connections = 0;
  counts = { forwarded: 0, refused: 0, blocked: 0 };

  constructor(config: GateFile) {
    this.token = Buffer.from(config.token, 'ascii');
    this.upstream = { host: config.upstream[0], port: config.upstream[1] };
    this.rules = [...ALWAYS_BLOCKED, ...(config.blocked ?? [])].map(parseRule);
    this.digest = pyStr(config.digest ?? '');
  }

  async serve(socket: Socket): Promise<void> {
    this.connections += 1;
    const reader = new StreamReader(socket, HEAD_LIMIT);
    const link: Link = { upstream: null };
    try {
      if (this.connections > MAX_CONNECTIONS) return;
      for (;;) {
        const head = await within(readHead(reader), IDLE_SECONDS * 1000);
        if (head === TIMED_OUT || head === null) return;
        if (!(await this.exchange(head, reader, socket, link))) return;
      }
    } catch {
      // Unreadable HTTP, a broken connection: it closes.
    } finally {
      this.connections -= 1;
      closeSocket(socket);
      if (link.upstream) closeSocket(link.upstream.socket);
    }
  }

  /** One request and its response; true when the connection stays open for another. */
  private async exchange(head: { line: string; fields: Field[] }, reader: StreamReader, writer: Socket, link: Link): Promise<boolean> {
    const parts = head.line.split(' ');
    if (parts.length !== 3 || !parts[2]!.startsWith('HTTP/1.')) throw new Refused();
    const [method, target, version] = parts as [string, string, string];
    const headers = asDict(head.fields);
    const frame = framing(headers);
    const path = target.startsWith('/') ? admitted(this.token, target) : null;
    if (path === null) {
      this.counts.refused += 1;
      await this.refuse(reader, writer, frame, '404 Not Found', '', false);
      return false;
    }
    // Split by hand, as gate.py does (urlsplit would read a path starting with // as a host name).
    const route = normalise(path.split('?')[0]!);
    const verb = method.toUpperCase();
    if (blocked(this.rules, verb, route)) {
      this.counts.blocked += 1;
      let body = '{"detail":"This route is turned off on this pod (MONAI_BLOCKED_ROUTES)."}';
      if ((verb === 'PUT' || verb === 'DELETE') && blocked(this.rules.slice(0, 2), verb, route)) body = '{"detail":"Uploading or deleting models is turned off on this pod."}';
      return this.refuse(reader, writer, frame, '403 Forbidden', body, true);
    }
    const clientClose = version === 'HTTP/1.0' || (headers.get('connection') ?? '').toLowerCase().includes('close');
    if ((headers.get('expect') ?? '').toLowerCase().includes('100-continue') && version === 'HTTP/1.1') writer.write('HTTP/1.1 100 Continue\r\n\r\n');
    const forwarded = [`${method} ${path} ${version}`, ...head.fields.filter(([name]) => name.toLowerCase() !== 'expect').map(([name, value]) => `${name}: ${value}`)];
    const requestHead = Buffer.from(`${forwarded.join('\r\n')}\r\n\r\n`, 'latin1');
    // MONAI Label closes a kept-alive connection after a few idle seconds: a request without a
    // body that meets such a closed connection is sent once more on a new one.
    let keep = false;
    let pump: Pump | undefined;
    for (const attempt of [1, 2]) {
      if (link.upstream && (link.upstream.reader.atEof() || link.upstream.socket.destroyed || link.upstream.socket.writableEnded)) {
        closeSocket(link.upstream.socket);
        link.upstream = null;
      }
      const reused = link.upstream !== null;
      if (!link.upstream) {
        try {
          link.upstream = await this.connect();
        } catch {
          await this.refuse(reader, writer, frame, '502 Bad Gateway', '{"detail":"MONAI Label is not answering behind the gate."}', false);
          return false;
        }
      }
      const upstream = link.upstream;
      upstream.socket.write(requestHead);
      pump = this.pump(reader, upstream.socket, frame);
      try {
        keep = await this.relayResponse(method, headers, upstream.reader, writer);
        break;
      } catch (error) {
        if (!(error instanceof Refused && error.beforeResponse && reused && frame.kind === 'none' && attempt === 1)) throw error;
        closeSocket(upstream.socket);
        link.upstream = null;
      }
    }
    if (!pump!.done) await within(pump!.finished, 1000);
    if (!pump!.done || pump!.failed) keep = false;
    this.counts.forwarded += 1;
    return keep && !clientClose;
  }

  private connect(): Promise<Upstream> {
    const { host, port } = hostAddress(this.upstream);
    const socket = connect({ host, port, allowHalfOpen: true, noDelay: true });
    const reader = new StreamReader(socket, CHUNK);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve({ reader, socket }));
      socket.once('error', reject);
    });
  }

  /** The request's body, on to MONAI Label while its answer comes back. */
  private pump(reader: StreamReader, upWriter: Socket, frame: Frame): Pump {
    const pump: Pump = { done: false, failed: false, finished: Promise.resolve() };
    pump.finished = (async () => {
      await copyBody(reader, upWriter, frame);
      await drain(upWriter);
    })().then(
      () => void (pump.done = true),
      () => void Object.assign(pump, { done: true, failed: true }),
    );
    return pump;
  }

  private async relayResponse(method: string, requestHeaders: ReadonlyMap<string, string>, upReader: StreamReader, writer: Socket): Promise<boolean> {
    let head: { line: string; fields: Field[] } | null;
    let status: number;
    for (;;) {
      try {
        head = await readHead(upReader);
      } catch (error) {
        if (!(error instanceof ConnectionBroken)) throw error;
        head = null;
      }
      if (head === null) throw new Refused(true);
      const code = head.line.split(' ')[1];
      if (code === undefined) throw new Malformed('list index out of range');
      status = pyInt(code, 10);
      if (status >= 200) break;
      writer.write(Buffer.from(`${head.line}\r\n${head.fields.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`, 'latin1'));
    }
    const headers = asDict(head.fields);
    const host = requestHeaders.get('host') ?? '';
    const out = [head.line, ...head.fields.map(([name, value]) => `${name}: ${name.toLowerCase() === 'location' ? withPrefix(this.token.toString('ascii'), value, host) : value}`)];
    out.push(`X-Monai-Pod-Gate: ${this.digest}`);
    writer.write(Buffer.from(`${out.join('\r\n')}\r\n\r\n`, 'latin1'));
    const keep = !(headers.get('connection') ?? '').toLowerCase().includes('close');
    if (method.toUpperCase() === 'HEAD' || NO_BODY_STATUS.has(status) || status < 200) {
      await drain(writer);
      return keep;
    }
    const frame = framing(headers);
    if (frame.kind === 'none') {
      // Delimited by the end of the connection.
      for (;;) {
        const data = await upReader.read(CHUNK);
        if (data.length === 0) break;
        await writeAndDrain(writer, data);
      }
      return false;
    }
    await copyBody(upReader, writer, frame);
    await drain(writer);
    return keep;
  }

  /**
   * Answers without forwarding. The body is read first (up to a limit) so that the answer is
   * not lost to a reset; when it cannot be, the connection closes.
   */
  private async refuse(reader: StreamReader, writer: Socket, frame: Frame, status: string, body: string, keep: boolean): Promise<boolean> {
    try {
      if ((await within(copyBody(reader, null, frame, DISCARD_LIMIT), 30_000)) === TIMED_OUT) keep = false;
    } catch (error) {
      if (!(error instanceof Refused || error instanceof IncompleteRead || error instanceof Malformed)) throw error;
      keep = false;
    }
    const kind = body ? 'application/json' : 'text/plain';
    await writeAndDrain(
      writer,
      Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: ${kind}\r\nContent-Length: ${Buffer.byteLength(body)}${keep ? '\r\n\r\n' : '\r\nConnection: close\r\n\r\n'}${body}`, 'latin1'),
    );
    return keep;
  }

  /** Every ten minutes, what was refused: scanners show up here, paths never do. */
  report(log: (message: string) => void): NodeJS.Timeout {
    return setInterval(() => {
      if (this.counts.refused || this.counts.blocked) {
        log(`last 10 min: ${this.counts.forwarded} forwarded, ${this.counts.refused} without the secret refused, ${this.counts.blocked} blocked`);
      }
      this.counts = { forwarded: 0, refused: 0, blocked: 0 };
    }, 600_000);
  }
}
