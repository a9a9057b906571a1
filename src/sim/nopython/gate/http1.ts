import type { Socket } from 'node:net';
import { drain, IncompleteRead, LimitOverrun, writeAndDrain, type StreamReader } from './stream.js';

/** gate.py's HTTP/1.1 framing: heads read as Latin-1, bodies copied as they are framed. */

export const CHUNK = 1024 * 1024;

/** The message cannot be read as HTTP/1.1: the connection is closed. */
export class Refused extends Error {
  constructor(readonly beforeResponse = false) {
    super('refused');
  }
}

/** What gate.py's int() and split() raise on malformed input (ValueError): the connection closes. */
export class Malformed extends Error {}

export type Field = [name: string, value: string];
export type Frame = { kind: 'chunked' } | { kind: 'length'; length: number } | { kind: 'none' };

/** The request or status line and the header fields; null at a clean end of the stream. */
export async function readHead(reader: StreamReader): Promise<{ line: string; fields: Field[] } | null> {
  let raw: Buffer;
  try {
    raw = await reader.readUntil(Buffer.from('\r\n\r\n'));
  } catch (error) {
    if (error instanceof IncompleteRead) {
      if (error.partial.length > 0) throw new Refused();
      return null;
    }
    if (error instanceof LimitOverrun) throw new Refused();
    throw error;
  }
  const lines = raw.subarray(0, -4).toString('latin1').split('\r\n');
  const fields: Field[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    if (colon < 0 || !name || name !== pyStrip(name)) throw new Refused();
    fields.push([name, pyStrip(line.slice(colon + 1))]);
  }
  return { line: lines[0]!, fields };
}

/** Lower-cased names; a repeated Content-Length or Transfer-Encoding is refused. */
export function asDict(fields: readonly Field[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of fields) {
    const key = name.toLowerCase();
    if (headers.has(key) && (key === 'content-length' || key === 'transfer-encoding')) throw new Refused();
    headers.set(key, value);
  }
  return headers;
}

export function framing(headers: ReadonlyMap<string, string>): Frame {
  const encoding = headers.get('transfer-encoding');
  const length = headers.get('content-length');
  if (encoding !== undefined) {
    // Ambiguous framing is how requests are smuggled.
    if (length !== undefined || pyStrip(encoding.split(',').at(-1)!).toLowerCase() !== 'chunked') throw new Refused();
    return { kind: 'chunked' };
  }
  if (length !== undefined) {
    if (!/^[0-9]+$/.test(pyStrip(length))) throw new Refused();
    return { kind: 'length', length: Number(pyStrip(length)) };
  }
  return { kind: 'none' };
}

async function copyExactly(reader: StreamReader, writer: Socket | null, count: number): Promise<void> {
  while (count > 0) {
    const data = await reader.read(Math.min(CHUNK, count));
    if (data.length === 0) throw new Refused();
    count -= data.length;
    if (writer) await writeAndDrain(writer, data);
  }
}

async function copyChunked(reader: StreamReader, writer: Socket | null, limit: number | null): Promise<void> {
  let total = 0;
  for (;;) {
    const line = await reader.readUntil(Buffer.from('\r\n'));
    const size = pyInt(bytesStrip(line.toString('latin1').split(';')[0]!) || 'x', 16);
    total += size;
    if (limit !== null && total > limit) throw new Refused();
    writer?.write(line);
    if (size === 0) {
      for (;;) {
        // Trailers, then the empty line.
        const trailer = await reader.readUntil(Buffer.from('\r\n'));
        writer?.write(trailer);
        if (trailer.equals(Buffer.from('\r\n'))) break;
      }
      if (writer) await drain(writer);
      return;
    }
    await copyExactly(reader, writer, size);
    writer?.write(await reader.readExactly(2));
  }
}

/** Copies a body as framed (to nowhere when `writer` is null); over `limit` bytes is refused. */
export async function copyBody(reader: StreamReader, writer: Socket | null, frame: Frame, limit: number | null = null): Promise<void> {
  if (frame.kind === 'chunked') await copyChunked(reader, writer, limit);
  else if (frame.kind === 'length') {
    if (limit !== null && frame.length > limit) throw new Refused();
    await copyExactly(reader, writer, frame.length);
  }
}

/** str.strip() on Latin-1 text: Python counts \x1c–\x1f, \x85 and \xa0 as whitespace too. */
export function pyStrip(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/^[\t\n\v\f\r\x1c-\x1f \x85\xa0]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0]+$/g, '');
}

/** bytes.strip(): ASCII whitespace only. */
function bytesStrip(text: string): string {
  return text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
}

/** int(text, base) as Python reads it (whitespace, sign, 0x for 16, underscores between digits), or Malformed. */
export function pyInt(text: string, base: 10 | 16): number {
  const digits = base === 16 ? '[0-9a-fA-F]' : '[0-9]';
  const match = new RegExp(`^([+-]?)${base === 16 ? '(?:0[xX]_?)?' : ''}(${digits}(?:_?${digits})*)$`).exec(pyStrip(text));
  if (!match) throw new Malformed(`invalid literal for int() with base ${base}: ${JSON.stringify(text)}`);
  const value = Number.parseInt(match[2]!.replaceAll('_', ''), base);
  return match[1] === '-' ? -value : value;
}
