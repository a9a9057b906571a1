import net from 'node:net';

export interface Target {
  host: string;
  port: number;
}

/**
 * A simulated public port: a loopback listener that forwards to the service inside the pod, the
 * way RunPod's NAT forwards a public port to the container. With no service behind it, the port
 * number is reserved but nothing listens, so a client gets "connection refused" as it would
 * from a pod whose service is not up yet.
 */
export class PublicPort {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(readonly privatePort: number) {}

  static async open(host: string, privatePort: number, target: Target | null): Promise<PublicPort> {
    const mapping = new PublicPort(privatePort);
    await mapping.listen(host, target);
    return mapping;
  }

  private async listen(host: string, target: Target | null): Promise<void> {
    const server = net.createServer((client) => {
      this.sockets.add(client);
      const upstream = net.connect(target!.port, target!.host);
      this.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    if (target) {
      this.server = server;
    } else {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
