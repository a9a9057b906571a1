import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Target } from '../../src/runpod/simulator/ports.js';
import type { PodServices } from '../../src/runpod/simulator/services.js';

/** The gate configuration the bot wants now (Bot.gate()). */
export type GateExpectation = () => Promise<{ token: string; digest: string }>;

export interface RunningMonai extends PodServices {
  infoCalls: () => number;
  /** The harness tells the image which secret path and gate digest the bot uses. */
  attachGate(expectation: GateExpectation): void;
}

/**
 * A pod whose image already runs MONAI Label on port 8000 behind the bot's gate (and no sshd):
 * /<token>/info/ answers with `models` and the gate's digest, everything else a bare 404, so the
 * reconciler's MONAI half is satisfied from outside, as it is for a pod whose gate and server
 * survived. For tests about the pod's lifecycle, where the install over SSH is not the point.
 * `open: true` is a MONAI Label on the port with no gate at all (started by hand).
 */
export function runningMonai(models: readonly string[] = ['deepgrow_2d', 'deepgrow_3d'], options: { open?: boolean } = {}): RunningMonai {
  const servers = new Map<string, http.Server>();
  let infoCalls = 0;
  let expectation: GateExpectation | null = null;
  const stop = async (podId: string) => {
    const server = servers.get(podId);
    servers.delete(podId);
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const info = () =>
    JSON.stringify({
      name: 'MONAILabel - Radiology (0.8.5)',
      version: '0.8.5',
      models: Object.fromEntries(models.map((model) => [model, { config: { device: ['NVIDIA GeForce RTX 4090'] } }])),
      datastore: { total: 7, completed: 0, label_tags: {} },
    });
  const serve = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    let path = request.url ?? '/';
    const headers: Record<string, string> = {};
    if (!options.open) {
      const gate = expectation ? await expectation() : null;
      if (!gate || !(path === `/${gate.token}` || path.startsWith(`/${gate.token}/`))) return response.writeHead(404, { 'content-length': '0' }).end();
      path = path.slice(gate.token.length + 1) || '/';
      headers['x-monai-pod-gate'] = gate.digest;
    }
    if (path.startsWith('/info/')) {
      infoCalls += 1;
      return response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(info());
    }
    response.writeHead(path === '/' ? 200 : 404, headers).end();
  };
  return {
    infoCalls: () => infoCalls,
    attachGate(next) {
      expectation = next;
    },
    async boot(pod) {
      await stop(pod.podId);
      const server = http.createServer((request, response) => void serve(request, response));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.set(pod.podId, server);
      return new Map<number, Target>([[8000, { host: '127.0.0.1', port: (server.address() as AddressInfo).port }]]);
    },
    halt: stop,
    destroy: stop,
    async close() {
      await Promise.all([...servers.keys()].map(stop));
    },
  };
}
