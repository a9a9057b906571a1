import type { InfoAnswer, MonaiApi, MonaiInfo } from './api.js';

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

/** MonaiApi over fetch, with short timeouts: the bot polls while the server starts. */
export class HttpMonaiApi implements MonaiApi {
  constructor(
    private readonly fetcher: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  private signal(signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  async alive(baseUrl: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const response = await this.fetcher(`${baseUrl}/`, { signal: this.signal(signal) });
      await response.body?.cancel();
      return response.status < 500;
    } catch {
      signal?.throwIfAborted();
      return false;
    }
  }

  async info(baseUrl: string, signal?: AbortSignal): Promise<InfoAnswer> {
    let response: Response;
    try {
      response = await this.fetcher(`${baseUrl}/info/`, { signal: this.signal(signal), headers: { accept: 'application/json' } });
    } catch (error) {
      signal?.throwIfAborted();
      return { kind: 'unreachable', reason: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error) };
    }
    const text = await response.text();
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
      return { kind: 'ok', info: toInfo(JSON.parse(text) as WireInfo) };
    } catch {
      return { kind: 'error', status: response.status, detail: 'MONAI Label answered /info/ with something that is not JSON.' };
    }
  }
}
