import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Target } from '../../src/runpod/simulator/ports.js';
import type { BootInfo, PodServices } from '../../src/runpod/simulator/services.js';
import type { Clock } from '../../src/util/clock.js';
import type { AnnotationKind } from './trace.js';

/**
 * MONAI Label as the trace has it, on loopback, in virtual time: the pod's image starts it behind
 * the bot's gate on port 8000 (there is no sshd, so the bot can reach it only over HTTP, under the
 * secret path the harness attaches, with the gate's digest), and it answers the routes the
 * cost guard reads — `/`, `/info/`, `/train/?check_if_running=true`, `/logs/?lines=N&text=true` —
 * in MONAI Label's formats, with log timestamps from the shared clock. The Python stand-in runs on
 * wall time (its log stamps, its training seconds), so it cannot replay a fortnight in seconds.
 */

const LOGGERS: Record<AnnotationKind | 'train', string> = {
  'next-sample': 'monailabel.endpoints.activelearning:44',
  infer: 'monailabel.endpoints.infer:122',
  'save-label': 'monailabel.endpoints.datastore:118',
  train: 'monailabel.utils.async_tasks.task:41',
};

function stamp(t: number): string {
  return new Date(t).toISOString().replace('T', ' ').replace('.', ',').slice(0, 23);
}

interface Training {
  id: string;
  from: number;
  to: number;
}

/** The gate configuration the bot wants now (Bot.gate()). */
type GateExpectation = () => Promise<{ token: string; digest: string }>;

export class TraceMonaiLabel implements PodServices {
  private readonly servers = new Map<string, http.Server>();
  private gate: GateExpectation | null = null;
  private readonly log: string[] = [];
  private failNextBoot = false;
  private labelled = 0;
  private studies = 0;
  private training: Training | null = null;
  /** Boots of the pod that never ran MONAI Label. */
  failedBoots = 0;

  constructor(
    private readonly clock: Clock,
    private readonly totalStudies = 60,
  ) {}

  /** The harness tells the image which secret path and gate digest the bot uses. */
  attachGate(expectation: GateExpectation): void {
    this.gate = expectation;
  }

  /** The next boot of the pod comes up without MONAI Label (a failed install). */
  failNextStart(): void {
    this.failNextBoot = true;
  }

  /** MONAI Label answers on this pod right now. */
  answering(podId: string): boolean {
    return this.servers.has(podId);
  }

  /** MONAI Label's process dies: connections to port 8000 are refused from now on. */
  async crash(podId: string): Promise<void> {
    await this.close(podId);
  }

  /** Something a person did in 3D Slicer, as MONAI Label logs it. */
  record(kind: AnnotationKind, by: string): void {
    const now = this.clock.now();
    if (kind === 'next-sample') {
      this.studies += 1;
      this.line(now, kind, "Active Learning Request: {'strategy': 'random'}");
      this.line(now, kind, `Next sample: {'id': 'series-${this.studies % this.totalStudies}'}`);
    } else if (kind === 'infer') {
      this.line(now, kind, `Infer Request: {'model': 'deepgrow_3d', 'image': 'series-${this.studies % this.totalStudies}', 'client_id': '${by}'}`);
    } else {
      this.labelled = Math.min(this.totalStudies, this.labelled + 1);
      this.line(now, kind, `Saving Label for series-${this.studies % this.totalStudies} for tag: final by ${by}`);
    }
  }

  train(minutes: number): void {
    const now = this.clock.now();
    this.training = { id: `train-${now}`, from: now, to: now + minutes * 60_000 };
    this.line(now, 'train', `Train Task ${this.training.id} RUNNING`);
  }

  /** A training run is under way now (and so the GPU is busy). */
  trainingNow(): boolean {
    const now = this.clock.now();
    return this.training !== null && now >= this.training.from && now < this.training.to;
  }

  private line(t: number, kind: AnnotationKind | 'train', message: string): void {
    this.log.push(`[${stamp(t)}] [4242] [MainThread] [INFO] (${LOGGERS[kind]}) - ${message}`);
    if (this.log.length > 2000) this.log.splice(0, 1000);
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const gate = this.gate ? await this.gate() : null;
    const path = request.url ?? '/';
    if (!gate || !(path === `/${gate.token}` || path.startsWith(`/${gate.token}/`))) {
      response.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    const url = new URL(path.slice(gate.token.length + 1) || '/', 'http://127.0.0.1');
    const headers = { 'x-monai-pod-gate': gate.digest };
    const json = (status: number, body: unknown) => response.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/') {
      response.writeHead(200, { ...headers, 'content-type': 'text/html' }).end('<html><head><title>MONAI Label</title></head></html>');
    } else if (url.pathname === '/info/') {
      json(200, {
        name: 'MONAILabel - Radiology (0.8.5)',
        version: '0.8.5',
        models: Object.fromEntries(['deepgrow_2d', 'deepgrow_3d'].map((model) => [model, { config: { device: ['NVIDIA GeForce RTX 4090'] } }])),
        datastore: { total: this.totalStudies, completed: this.labelled, label_tags: this.labelled > 0 ? { final: this.labelled } : {} },
      });
    } else if (url.pathname === '/train/' && url.searchParams.get('check_if_running') === 'true') {
      const running = this.trainingNow() ? this.training! : null;
      if (!running) json(404, { detail: 'No Train Tasks are currently Running' });
      else json(200, { id: running.id, status: 'RUNNING', start_ts: stamp(running.from).slice(0, 19), end_ts: null, details: [] });
    } else if (url.pathname === '/logs/') {
      const lines = Math.max(0, Number(url.searchParams.get('lines') ?? 300));
      response.writeHead(200, { ...headers, 'content-type': 'text/plain' }).end(lines > 0 ? `${this.log.slice(-lines).join('\n')}\n` : '');
    } else {
      json(404, { detail: 'Not Found' });
    }
  }

  async boot(pod: BootInfo): Promise<ReadonlyMap<number, Target>> {
    await this.close(pod.podId);
    if (this.failNextBoot) {
      this.failNextBoot = false;
      this.failedBoots += 1;
      return new Map();
    }
    const server = http.createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.set(pod.podId, server);
    return new Map<number, Target>([[8000, { host: '127.0.0.1', port: (server.address() as AddressInfo).port }]]);
  }

  /** The container stops: MONAI Label and any training run end with it. */
  async halt(podId: string): Promise<void> {
    if (this.training && this.trainingNow()) this.training = { ...this.training, to: this.clock.now() };
    await this.close(podId);
  }

  destroy(podId: string): Promise<void> {
    return this.halt(podId);
  }

  async close(podId?: string): Promise<void> {
    const ids = podId ? [podId] : [...this.servers.keys()];
    for (const id of ids) {
      const server = this.servers.get(id);
      this.servers.delete(id);
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
