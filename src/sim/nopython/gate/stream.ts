import { once } from 'node:events';
import type { Socket } from 'node:net';

/**
 * What gate.py gets from asyncio's streams, over a Node socket: reads that wait for bytes
 * (readUntil, readExactly, read), a line limit, end of stream, and writes that wait for drain.
 */

/** The stream ended before what was asked for arrived (asyncio.IncompleteReadError). */
export class IncompleteRead extends Error {
  constructor(readonly partial: Buffer) {
    super('incomplete read');
  }
}

/** A separator was not found within the limit (asyncio.LimitOverrunError). */
export class LimitOverrun extends Error {}

/** The connection broke (ConnectionError). */
export class ConnectionBroken extends Error {}

export class StreamReader {
  private buffer: Buffer = Buffer.alloc(0);
  private eof = false;
  private failure: Error | null = null;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    /** asyncio's `limit`: the longest line readUntil accepts; reading pauses above twice this. */
    private readonly limit: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      if (this.buffer.length > 2 * this.limit) socket.pause();
      this.notify();
    });
    socket.on('end', () => {
      this.eof = true;
      this.notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure = new ConnectionBroken(error.code ?? error.message);
      this.notify();
    });
    socket.on('close', () => {
      this.eof = true;
      this.notify();
    });
  }

  /** No more bytes will come, and none are left. */
  atEof(): boolean {
    return (this.eof || this.failure !== null) && this.buffer.length === 0;
  }

  async readUntil(separator: Buffer): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(separator);
      if (at >= 0) {
        if (at > this.limit) throw new LimitOverrun();
        return this.take(at + separator.length);
      }
      if (this.buffer.length + 1 - separator.length > this.limit) throw new LimitOverrun();
      if (this.ended()) throw new IncompleteRead(this.take(this.buffer.length));
      await this.more();
    }
  }

  async readExactly(count: number): Promise<Buffer> {
    while (this.buffer.length < count) {
      if (this.ended()) throw new IncompleteRead(this.take(this.buffer.length));
      await this.more();
    }
    return this.take(count);
  }

  /** Up to `max` bytes, as soon as there are any; empty at the end of the stream. */
  async read(max: number): Promise<Buffer> {
    while (this.buffer.length === 0) {
      if (this.ended()) return Buffer.alloc(0);
      await this.more();
    }
    return this.take(Math.min(max, this.buffer.length));
  }

  private ended(): boolean {
    if (this.failure) throw this.failure;
    return this.eof;
  }

  private take(count: number): Buffer {
    const taken = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    if (this.buffer.length <= this.limit && this.socket.isPaused()) this.socket.resume();
    return taken;
  }

  private more(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private notify(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** writer.write + await writer.drain(). */
export async function writeAndDrain(socket: Socket, data: Buffer): Promise<void> {
  if (socket.destroyed) throw new ConnectionBroken('closed');
  if (socket.write(data)) return;
  await drain(socket);
}

/** Like asyncio's drain, it fails once the connection is lost, whether or not bytes are waiting. */
export async function drain(socket: Socket): Promise<void> {
  if (socket.destroyed) throw new ConnectionBroken('closed');
  if (!socket.writableNeedDrain) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(socket, 'drain', { signal: ac.signal }), once(socket, 'close', { signal: ac.signal }).then(() => Promise.reject(new ConnectionBroken('closed')))]);
  } finally {
    ac.abort();
  }
}

/** writer.close(): what is written still goes out, then the socket closes (without waiting for the peer). */
export function closeSocket(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end(() => socket.destroy());
}
