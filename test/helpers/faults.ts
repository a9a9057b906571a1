import net from 'node:net';
import type { Target } from '../../src/runpod/simulator/ports.js';
import { fixedServices, type PodServices } from '../../src/runpod/simulator/services.js';

/** The user-facing text of an INTERNAL error: no fault may ever end there. */
export const INTERNAL_TEXT = 'Something unexpected';

/** The line every failed start/restart must carry while the pod still runs (src/messages/lifecycle.ts). */
export function billingLine(costPerHr = 0.69): string {
  return `The pod is still running and billing $${costPerHr.toFixed(2)}/hr. \`/monai stop\` stops it.`;
}

export interface TcpFault {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 that misbehaves as a broken sshd does: `reset` accepts and destroys
 * each socket at once; `silent` accepts and never sends a byte (no SSH banner).
 */
export async function tcpFault(kind: 'reset' | 'silent'): Promise<TcpFault> {
  const sockets = new Set<net.Socket>();
  const handle: TcpFault = { port: 0, accepted: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    handle.accepted += 1;
    socket.on('error', () => undefined);
    if (kind === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.port = (server.address() as net.AddressInfo).port;
  handle.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return handle;
}

/** Simulator services whose port 22 leads to `ssh` and whose port 8000 leads nowhere. */
export function servicesWithSsh(ssh: TcpFault): PodServices {
  return fixedServices(new Map<number, Target>([[22, { host: '127.0.0.1', port: ssh.port }]]));
}

/** mulberry32: a small deterministic generator, so a failing fuzz case can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The secrets among `secrets` that occur in `text`. */
export function leaked(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => text.includes(secret));
}
