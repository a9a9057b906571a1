/**
 * The gate as it runs on a pod, `python gate.py gate.json`: under CPython where this machine has
 * Python, and always under the no-Python stand-in's python, which runs gate.py's Node twin
 * (src/sim/nopython/gate/). One suite for both, so the two cannot drift apart; each in front of the
 * MONAI Label stand-in of its own world (the Python one, or the Node one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_SOURCE } from '../../src/monai/gate.js';
import { MIRRORED_GATE_SHA256 } from '../../src/sim/nopython/gate/main.js';
import { gateKinds, rawExchange, startGate, type RunningGate } from '../helpers/gate.js';
import { startStandin, type Standin } from '../helpers/standin.js';

const TOKEN = randomBytes(24).toString('base64url');
const IMAGE_BYTES = 60 * 1024 * 1024;

/** What the stand-in streams for an image: 64 KiB of sha256(image id) repeated. */
function expectedImageDigest(image: string, size: number): string {
  const block = Buffer.concat(Array.from({ length: 2048 }, () => createHash('sha256').update(image).digest()));
  const hash = createHash('sha256');
  for (let sent = 0; sent < size; sent += block.length) hash.update(block.subarray(0, Math.min(block.length, size - sent)));
  return hash.digest('hex');
}

const request = (method: string, path: string, headers: Record<string, string> = {}, body = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: pod\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

function events(standin: Standin): { event: string; bytes?: number; model?: string }[] {
  return existsSync(standin.events) ? readFileSync(standin.events, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string }) : [];
}

const WHOSE = { python: 'gate.py under CPython, in front of the Python stand-in', node: 'gate.py under the no-Python stand-in (its Node twin), in front of the Node stand-in' };

it('the Node twin was written against this very gate.py (change one, change the other)', () => {
  const digest = createHash('sha256').update(GATE_SOURCE).digest('hex');
  expect(digest, 'src/monai/gate.py changed: bring src/sim/nopython/gate/ in step, then set MIRRORED_GATE_SHA256 to this').toBe(MIRRORED_GATE_SHA256);
});

describe.each(gateKinds())('the gate in front of MONAI Label (%s)', (kind) => {
  let dir: string;
  let standin: Standin;
  let gate: RunningGate;
  let weights: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'monai-gate-test-'));
    standin = await startStandin(dir, { kind, faults: { imageBytes: IMAGE_BYTES } });
    gate = await startGate({ upstreamPort: standin.port, token: TOKEN, blocked: ['/proxy/', 'POST /train/'], kind });
    weights = join(standin.app, 'model', 'pretrained_deepgrow_2d.pt');
  }, 60_000);

  afterAll(async () => {
    await gate?.close();
    standin?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it(`is ${WHOSE[kind]}, and says where it listens and what it blocks`, () => {
    expect(gate.output()).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] listening on 0\.0\.0\.0:8000, forwarding the secret path to 127\.0\.0\.1:8001; blocked: PUT \/model\/, DELETE \/model\/, \/proxy\/, POST \/train\/\n$/,
    );
  });

  it('without the secret: a bare 404 for every page MONAI Label has, and nothing reaches it', async () => {
    const before = readFileSync(weights);
    const paths = ['/', '/info/', '/openapi.json', '/docs', '/logs/', '/proxy/dicom/qido/studies', `/${TOKEN.slice(0, -1)}/info/`, `/${TOKEN}x/info/`, `/x${TOKEN}/info/`, `/${TOKEN.toLowerCase()}/info/`];
    for (const path of paths) {
      const response = await fetch(`${gate.root}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toBe('');
      expect(response.headers.get('server'), path).toBeNull();
      expect(response.headers.get('x-monai-pod-gate'), path).toBeNull();
    }
    const put = await fetch(`${gate.root}/model/deepgrow_2d`, { method: 'PUT', body: 'not weights' });
    expect(put.status).toBe(404);
    expect(readFileSync(weights)).toEqual(before);
    expect(events(standin).filter((event) => event.event === 'model_put')).toEqual([]);
  });

  it('with the secret, everything 3D Slicer does works: /info/, a 60 MB image streamed, an inference, labels uploaded', async () => {
    const info = await fetch(`${gate.base}/info/`);
    expect(info.status).toBe(200);
    expect(info.headers.get('x-monai-pod-gate')).toBe(gate.digest);
    expect(Object.keys(((await info.json()) as { models: object }).models)).toContain('deepgrow_2d');

    const image = await fetch(`${gate.base}/datastore/image?image=series-1`);
    expect(image.headers.get('content-length')).toBe(String(IMAGE_BYTES));
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of image.body!) {
      hash.update(chunk as Uint8Array);
      received += (chunk as Uint8Array).length;
    }
    expect(received).toBe(IMAGE_BYTES);
    expect(hash.digest('hex')).toBe(expectedImageDigest('series-1', IMAGE_BYTES));

    const infer = await fetch(`${gate.base}/infer/deepgrow_2d?image=series-1`, { method: 'POST' });
    expect(infer.status).toBe(200);
    expect(((await infer.json()) as { label: string }).label).toMatch(/\.nrrd$/);

    // Submit Label: once with a length, once streamed in chunks (a body of unknown length).
    const label = randomBytes(3 * 1024 * 1024);
    const sized = await fetch(`${gate.base}/datastore/label?image=series-1&tag=final`, { method: 'PUT', body: label });
    expect(sized.status).toBe(200);
    const chunked = await fetch(`${gate.base}/datastore/label?image=series-2&tag=final`, {
      method: 'PUT',
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < label.length; at += 256 * 1024) controller.enqueue(label.subarray(at, at + 256 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    expect(events(standin).filter((event) => event.event === 'label').map((event) => event.bytes)).toEqual([label.length, label.length]);
  });

  it('refuses model upload and deletion with the secret, however the path is spelled, and the weights stay', async () => {
    const before = readFileSync(weights);
    const spellings = ['/model/deepgrow_2d', '/MODEL/deepgrow_2d', '/%6dodel/deepgrow_2d', '/%256dodel/deepgrow_2d', '//model/deepgrow_2d', '/x/../model/deepgrow_2d', '/./model/deepgrow_2d', '/model%2fdeepgrow_2d', '/model/deepgrow_2d?x=1'];
    for (const path of spellings) {
      for (const method of ['PUT', 'DELETE']) {
        const { responses } = await rawExchange(gate.port, [request(method, `/${TOKEN}${path}`, {}, 'import os; os.system("id")')]);
        expect(responses[0]?.status, `${method} ${path}`).toBe(403);
        expect(responses[0]?.body.toString(), `${method} ${path}`).toContain('turned off');
      }
    }
    expect(readFileSync(weights)).toEqual(before);
    expect(events(standin).filter((event) => event.event === 'model_put' || event.event === 'model_delete')).toEqual([]);
    // Reading the weights is not refused.
    expect((await fetch(`${gate.base}/model/deepgrow_2d`)).status).toBe(200);
  });

  it('refuses the routes in MONAI_BLOCKED_ROUTES, by method when one is named', async () => {
    expect((await fetch(`${gate.base}/proxy/dicom/qido/studies`)).status).toBe(403);
    expect((await fetch(`${gate.base}/PROXY/dicom/wado/studies`)).status).toBe(403);
    expect((await fetch(`${gate.base}/train/deepgrow_2d`, { method: 'POST', body: '{}' })).status).toBe(403);
    // GET /train/ is not POST: the bot's activity sampler still reads it.
    expect([200, 404]).toContain((await fetch(`${gate.base}/train/?check_if_running=true`)).status);
  });

  it('keeps a connection alive across requests, and answers Expect: 100-continue', async () => {
    const { responses, interim } = await rawExchange(gate.port, [
      request('GET', `/${TOKEN}/info/`),
      request('POST', `/${TOKEN}/infer/deepgrow_2d?image=series-1`, { Expect: '100-continue' }, '{}'),
      request('GET', `/${TOKEN}/`),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(interim).toEqual(['HTTP/1.1 100 Continue']);
  });

  it('closes a connection whose framing is ambiguous, without forwarding it', async () => {
    const smuggled = `PUT /${TOKEN}/datastore/label?image=s HTTP/1.1\r\nHost: pod\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`;
    const { responses } = await rawExchange(gate.port, [smuggled]);
    expect(responses).toEqual([]);
  });
});

describe.each(gateKinds())('the %s gate with MONAI Label behind it down, redirecting or closing', (kind) => {
  it('answers 502 to the holder of the secret and a bare 404 to everyone else', async () => {
    const gate = await startGate({ upstreamPort: 9, token: TOKEN, kind });
    try {
      const inside = await fetch(`${gate.base}/info/`);
      expect(inside.status).toBe(502);
      expect(await inside.text()).toContain('not answering behind the gate');
      expect((await fetch(`${gate.root}/info/`)).status).toBe(404);
    } finally {
      await gate.close();
    }
  });

  it('keeps the secret prefix in MONAI Label’s redirects', async () => {
    const upstream: Server = createServer((req, res) => {
      if (req.url === '/info') res.writeHead(307, { location: `http://${req.headers.host}/info/`, 'content-length': '0' }).end();
      else res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const gate = await startGate({ upstreamPort: (upstream.address() as AddressInfo).port, token: TOKEN, kind });
    try {
      const response = await fetch(`${gate.base}/info`, { redirect: 'manual' });
      expect(response.status).toBe(307);
      expect(response.headers.get('location')).toBe(`${gate.base}/info/`);
    } finally {
      await gate.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('sends a request without a body once more when MONAI Label closed the kept-alive connection under it; one with a body, never', async () => {
    // Answers the first request on each connection and closes on the second, as a server whose idle timeout crosses it.
    const connections: string[][] = [];
    const upstream = createNetServer((socket) => {
      const seen: string[] = [];
      connections.push(seen);
      let buffer = '';
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        seen.push(buffer.slice(0, buffer.indexOf('\r\n')));
        buffer = '';
        if (seen.length === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const gate = await startGate({ upstreamPort: (upstream.address() as AddressInfo).port, token: TOKEN, kind });
    try {
      const retried = await rawExchange(gate.port, [request('GET', `/${TOKEN}/info/`), request('GET', `/${TOKEN}/datastore/`)]);
      expect(retried.responses.map((response) => [response.status, response.body.toString(), response.headers['x-monai-pod-gate']])).toEqual([
        [200, 'ok', gate.digest],
        [200, 'ok', gate.digest],
      ]);
      expect(connections).toEqual([['GET /info/ HTTP/1.1', 'GET /datastore/ HTTP/1.1'], ['GET /datastore/ HTTP/1.1']]);

      connections.length = 0;
      const notRetried = await rawExchange(gate.port, [request('GET', `/${TOKEN}/info/`), request('PUT', `/${TOKEN}/datastore/label?image=s`, {}, 'label')]);
      expect(notRetried.responses.map((response) => response.status)).toEqual([200]);
      expect(connections).toEqual([['GET /info/ HTTP/1.1', 'PUT /datastore/label?image=s HTTP/1.1']]);
    } finally {
      await gate.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
