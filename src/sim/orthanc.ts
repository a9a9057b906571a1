import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';

export interface FakeOrthancOptions {
  /** Number of CT series (one per study) the server holds; default 3. */
  series?: number;
  /** When both are set, every route requires HTTP Basic auth, as Orthanc's REST API does. */
  username?: string;
  password?: string;
}

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

const UID_ROOT = '1.2.826.0.1.3680043.8.498';

/**
 * A loopback stand-in for Orthanc's DICOMweb plugin: just enough QIDO-RS for a MONAI Label
 * DICOMweb datastore to list series, with knobs for auth failures and outages.
 */
export class FakeOrthanc {
  readonly requests: { path: string; authorized: boolean }[] = [];
  seriesCount: number;
  private readonly username: string | undefined;
  private readonly password: string | undefined;
  private readonly sockets = new Set<net.Socket>();
  private server: http.Server | null = null;
  private port = 0;
  private isDown = false;

  constructor(options: FakeOrthancOptions = {}) {
    this.seriesCount = options.series ?? 3;
    this.username = options.username;
    this.password = options.password;
  }

  /** While down, new requests get 503 and open keep-alive connections are dropped. */
  get down(): boolean {
    return this.isDown;
  }

  set down(value: boolean) {
    this.isDown = value;
    if (value) for (const socket of this.sockets) socket.destroy();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/dicom-web`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    const authorized = this.authorized(req.headers.authorization);
    this.requests.push({ path, authorized });
    res.on('error', () => {});
    if (this.isDown) {
      return send(res, 503, 'text/plain', 'Service Unavailable', { Connection: 'close' });
    }
    if (!authorized) {
      return send(res, 401, 'text/plain', 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="Orthanc"' });
    }
    const url = new URL(path, 'http://127.0.0.1');
    if (req.method !== 'GET') return send(res, 404, 'text/plain', 'Not Found');
    if (url.pathname === '/system') {
      return send(res, 200, 'application/json', JSON.stringify(SYSTEM));
    }
    const route = /^\/dicom-web\/(?:studies\/([^/]+)\/)?(series|studies)\/?$/.exec(url.pathname);
    if (!route || (route[1] !== undefined && route[2] !== 'series')) {
      return send(res, 404, 'text/plain', 'Not Found');
    }
    const body = this.query(url.searchParams, route[1] ? decodeURIComponent(route[1]) : undefined);
    send(res, 200, 'application/dicom+json', JSON.stringify(body));
  }

  private query(params: URLSearchParams, studyUid: string | undefined): DicomJson[] {
    const modality = params.get('Modality') ?? params.get('00080060') ?? params.get('ModalitiesInStudy');
    const seriesUid = params.get('SeriesInstanceUID') ?? params.get('0020000E');
    const study = studyUid ?? params.get('StudyInstanceUID') ?? params.get('0020000D');
    const offset = nonNegative(params.get('offset')) ?? 0;
    const limit = nonNegative(params.get('limit'));
    const all: DicomJson[] = [];
    for (let n = 1; n <= this.seriesCount; n++) all.push(seriesJson(n));
    const matches = all.filter(
      (item) =>
        (modality === null || modality === '' || modality.split('\\').includes('CT')) &&
        (seriesUid === null || value(item, '0020000E') === seriesUid) &&
        (study === null || value(item, '0020000D') === study),
    );
    return matches.slice(offset, limit === undefined ? undefined : offset + limit);
  }

  private authorized(header: string | undefined): boolean {
    if (this.username === undefined || this.password === undefined) return true;
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    const given = Buffer.from(Buffer.from(match[1], 'base64').toString('utf8'));
    const expected = Buffer.from(`${this.username}:${this.password}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * Series n (UID <root>.n) lives in study n (UID <root>.0.n): one CT series per study, so both
 * query levels list alike and every UID is predictable in tests.
 */
function seriesJson(n: number): DicomJson {
  return {
    '0020000D': { vr: 'UI', Value: [`${UID_ROOT}.0.${n}`] },
    '0020000E': { vr: 'UI', Value: [`${UID_ROOT}.${n}`] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00080061': { vr: 'CS', Value: ['CT'] },
    '0008103E': { vr: 'LO', Value: [`Simulated CT series ${n}`] },
    '00081030': { vr: 'LO', Value: [`Simulated study ${n}`] },
    '00100020': { vr: 'LO', Value: [`SIM${String(n).padStart(4, '0')}`] },
    '00201208': { vr: 'IS', Value: [1] },
  };
}

function value(item: DicomJson, tag: string): unknown {
  return item[tag]?.Value?.[0];
}

function nonNegative(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const number = Number(raw);
  return Number.isInteger(number) && number >= 0 ? number : undefined;
}

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const SYSTEM = {
  Name: 'ORTHANC',
  Version: '1.12.4',
  ApiVersion: 24,
  DicomAet: 'ORTHANC',
  DicomPort: 4242,
  HttpPort: 8042,
  PluginsEnabled: true,
  DatabaseBackendPlugin: null,
};
