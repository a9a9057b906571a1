import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Target } from '../../src/runpod/simulator/ports.js';
import type { PodServices } from '../../src/runpod/simulator/services.js';

/**
 * A pod whose image already runs MONAI Label on port 8000 (and no sshd): /info/ answers with
 * `models`, so the reconciler's MONAI half is satisfied from outside, as it is for a pod someone
 * started by hand. For tests about the pod's lifecycle, where the install over SSH is not the point.
 */
export function runningMonai(models: readonly string[] = ['deepgrow_2d', 'deepgrow_3d']): PodServices & { infoCalls: () => number } {
  const servers = new Map<string, http.Server>();
  let infoCalls = 0;
  const stop = async (podId: string) => {
    const server = servers.get(podId);
    servers.delete(podId);
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    infoCalls: () => infoCalls,
    async boot(pod) {
      await stop(pod.podId);
      const server = http.createServer((request, response) => {
        if (request.url?.startsWith('/info/')) {
          infoCalls += 1;
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              name: 'MONAILabel - Radiology (0.8.5)',
              version: '0.8.5',
              models: Object.fromEntries(models.map((model) => [model, { config: { device: ['NVIDIA GeForce RTX 4090'] } }])),
              datastore: { total: 7, completed: 0, label_tags: {} },
            }),
          );
          return;
        }
        response.writeHead(request.url === '/' ? 200 : 404).end();
      });
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
