import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpMonaiApi } from '../../src/monai/http-client.js';

let server: Server | undefined;
const hits: string[] = [];
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  hits.length = 0;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer((request, response) => {
    hits.push(request.url ?? '');
    handler!(request, response);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const INFO = JSON.stringify({ name: 'MONAILabel', version: '0.8.5', models: { deepgrow_2d: {} }, datastore: { total: 1 } });

describe('the MONAI Label HTTP client', () => {
  it('does not follow a redirect: /info/ that sends the bot elsewhere is not MONAI Label answering', async () => {
    const root = await serve((request, response) => {
      if (request.url === '/elsewhere/info/') return response.writeHead(200, { 'content-type': 'application/json' }).end(INFO);
      response.writeHead(302, { location: '/elsewhere/info/' }).end();
    });
    const api = new HttpMonaiApi();
    const info = await api.info(`${root}/token`);
    expect(info).toEqual({ kind: 'error', status: 302, detail: 'The port answered with a redirect, which the bot does not follow.' });
    expect(await api.alive(`${root}/token`)).toBe(false);
    expect(hits).not.toContain('/elsewhere/info/');
  });

  it('reads the gate’s digest with /info/, and takes the gate’s 502 for MONAI Label not answering', async () => {
    let status = 200;
    const root = await serve((_request, response) => {
      if (status === 502) return response.writeHead(502, { 'content-type': 'application/json' }).end('{"detail":"MONAI Label is not answering behind the gate."}');
      response.writeHead(200, { 'content-type': 'application/json', 'x-monai-pod-gate': 'abc123' }).end(INFO);
    });
    const api = new HttpMonaiApi();
    expect(await api.info(`${root}/token`)).toMatchObject({ kind: 'ok', gate: 'abc123' });
    status = 502;
    expect(await api.info(`${root}/token`)).toMatchObject({ kind: 'unreachable' });
  });

  it('tells a closed port (bare 404s) from an open one and from nothing listening', async () => {
    let open = false;
    const root = await serve((request, response) => {
      if (open && request.url === '/info/') return response.writeHead(200).end(INFO);
      response.writeHead(404, { 'content-length': '0' }).end();
    });
    const api = new HttpMonaiApi();
    expect(await api.exposure(root)).toEqual({ kind: 'closed' });
    open = true;
    expect(await api.exposure(root)).toEqual({ kind: 'open', path: '/info/', status: 200 });
    expect((await api.exposure('http://127.0.0.1:9')).kind).toBe('refused');
  });
});
