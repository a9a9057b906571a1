import type { ActivityReading, Exposure, InfoAnswer, MonaiApi, MonaiInfo } from './api.js';
import { GATE_HEADER } from './gate.js';

/** What MONAI Label serves without the gate; a bare 404 carries none of it. */
const MONAI_PAGES = ['/', '/info/', '/openapi.json', '/docs'];

/** Log lines that mean a person did something (MONAI Label logs each at INFO). */
const HUMAN_EVENTS: readonly [RegExp, string][] = [
  [/Infer Request/, 'inference'],
  [/Saving Label|New label saved/, 'label saved'],
  [/Active Learning Request|Next sample/, 'Next Sample'],
];

/** The newest human event in a log tail, as "<timestamp> <kind>" so that a repeat of the same line is not new. */
export function lastHumanEvent(log: string): string | null {
  const lines = log.split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index]!;
    const event = HUMAN_EVENTS.find(([pattern]) => pattern.test(line));
    if (event) return `${line.match(/^\[([^\]]+)\]/)?.[1] ?? `line ${index}`} ${event[1]}`;
  }
  return null;
}

interface WireModel {
  config?: { device?: unknown };
}

interface WireInfo {
  name?: unknown;
  version?: unknown;
  models?: Record<string, WireModel>;
  datastore?: { total?: unknown; completed?: unknown; label_tags?: Record<string, unknown> };
}

export function toInfo(wire: WireInfo): MonaiInfo {
  const models = Object.keys(wire.models ?? {});
  const device = Object.values(wire.models ?? {}).find((model) => Array.isArray(model.config?.device))?.config?.device as unknown[] | undefined;
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  return {
    name: typeof wire.name === 'string' ? wire.name : 'MONAI Label',
    version: typeof wire.version === 'string' ? wire.version : '',
    models,
    device: (device ?? []).map(String),
    studies: number(wire.datastore?.total),
    labelled: number(wire.datastore?.completed),
    labelTags: Object.fromEntries(
      Object.entries(wire.datastore?.label_tags ?? {}).flatMap(([tag, count]) => (typeof count === 'number' ? [[tag, count]] : [])),
    ),
  };
}

/**
 * MonaiApi over fetch, with short timeouts: the bot polls while the server starts. Redirects are
 * never followed: an answer that sends the bot elsewhere is an answer from something else.
 */
export class HttpMonaiApi implements MonaiApi {
  constructor(
    private readonly fetcher: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  private signal(signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  private get(url: string, signal?: AbortSignal, headers?: Record<string, string>): Promise<Response> {
    return this.fetcher(url, { signal: this.signal(signal), redirect: 'manual', ...(headers ? { headers } : {}) });
  }

  async activity(baseUrl: string, signal?: AbortSignal): Promise<ActivityReading | null> {
    const get = async (path: string) => {
      try {
        return await this.get(`${baseUrl}${path}`, signal);
      } catch {
        signal?.throwIfAborted();
        return null;
      }
    };
    const [logs, train, info] = await Promise.all([
      get('/logs/?lines=300&text=true'),
      get('/train/?check_if_running=true'),
      this.info(baseUrl, signal),
    ]);
    if (!logs?.ok || !train || (train.status !== 200 && train.status !== 404)) {
      await Promise.all([logs?.body?.cancel(), train?.body?.cancel()]);
      return null;
    }
    const trainBody = train.status === 200 ? ((await train.json().catch(() => ({}))) as { status?: unknown }) : null;
    if (train.status === 404) await train.body?.cancel();
    return {
      labelled: info.kind === 'ok' ? info.info.labelled : null,
      labelTags: info.kind === 'ok' ? info.info.labelTags : {},
      training: trainBody !== null && (trainBody.status === 'RUNNING' || trainBody.status === 'SUBMITTED'),
      lastEvent: lastHumanEvent(await logs.text()),
    };
  }

  async alive(baseUrl: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const response = await this.get(`${baseUrl}/`, signal);
      await response.body?.cancel();
      return response.status < 300;
    } catch {
      signal?.throwIfAborted();
      return false;
    }
  }

  async info(baseUrl: string, signal?: AbortSignal): Promise<InfoAnswer> {
    let response: Response;
    try {
      response = await this.get(`${baseUrl}/info/`, signal, { accept: 'application/json' });
    } catch (error) {
      signal?.throwIfAborted();
      return { kind: 'unreachable', reason: reasonOf(error) };
    }
    const text = await response.text();
    // The gate answers 502 while MONAI Label behind it does not.
    if (response.status === 502) return { kind: 'unreachable', reason: 'the gate on the pod is up, but MONAI Label behind it does not answer' };
    if (response.status >= 300 && response.status < 400) {
      return { kind: 'error', status: response.status, detail: 'The port answered with a redirect, which the bot does not follow.' };
    }
    if (!response.ok) {
      let detail = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { detail?: unknown };
        if (typeof parsed.detail === 'string') detail = parsed.detail;
      } catch {
        // not JSON: keep the text
      }
      return { kind: 'error', status: response.status, detail };
    }
    try {
      return { kind: 'ok', info: toInfo(JSON.parse(text) as WireInfo), gate: response.headers.get(GATE_HEADER) };
    } catch {
      return { kind: 'error', status: response.status, detail: 'MONAI Label answered /info/ with something that is not JSON.' };
    }
  }

  async exposure(rootUrl: string, signal?: AbortSignal): Promise<Exposure> {
    for (const path of MONAI_PAGES) {
      let response: Response;
      try {
        response = await this.get(`${rootUrl}${path}`, signal);
      } catch (error) {
        signal?.throwIfAborted();
        return { kind: 'refused', reason: reasonOf(error) };
      }
      const body = await response.text();
      if (response.status !== 404 || body.length > 0) return { kind: 'open', path, status: response.status };
    }
    return { kind: 'closed' };
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
}
