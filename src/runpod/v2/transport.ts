import { isBotError } from '../../errors.js';
import { retryRunPodCall, USER_AGENT, type RunPodConnection } from '../connection.js';
import { classifyAnswer, V2Failure } from './problems.js';

/** The connection, with `url` the v2 base, e.g. https://api.runpod.io/v2. */
export type V2TransportOptions = RunPodConnection;

export interface V2Request {
  /** For logs, /healthz and errors, in the GraphQL adapter's words: "snapshot", "deploy", "stop"… */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Below the base, e.g. /pods/abc/action. */
  path: string;
  /** Values are sent as written (arrays joined by commas, OpenAPI's form style). */
  query?: Record<string, string>;
  body?: unknown;
  /** Safe to send again after a failure (every call but a create). */
  idempotent: boolean;
}

/** HTTP to RunPod's REST v2: Bearer auth, typed errors, and retries where sending twice is safe. */
export class V2Transport {
  constructor(private readonly options: V2TransportOptions) {}

  get fetch(): typeof fetch {
    return this.options.fetch ?? fetch;
  }

  url(path: string, query?: Record<string, string>): string {
    const search = Object.entries(query ?? {})
      .map(([key, value]) => `${encodeURIComponent(key)}=${value.split(',').map(encodeURIComponent).join(',')}`)
      .join('&');
    return `${this.options.url.replace(/\/$/, '')}${path}${search ? `?${search}` : ''}`;
  }

  headers(accept: string, withBody: boolean): Record<string, string> {
    return {
      authorization: `Bearer ${this.options.apiKey}`,
      accept,
      'user-agent': USER_AGENT,
      ...(withBody ? { 'content-type': 'application/json' } : {}),
    };
  }

  /** One exchange; the JSON answer (undefined for 204), or a typed error. */
  async once(request: V2Request, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await this.fetch(this.url(request.path, request.query), {
        method: request.method,
        headers: this.headers('application/json', request.body !== undefined),
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        signal: combined,
      });
      const text = await response.text();
      if (!response.ok) throw this.failed(request, response, text);
      const value = response.status === 204 || text.length === 0 ? undefined : (JSON.parse(text) as unknown);
      this.options.onCall?.({ ok: true, operation: request.operation });
      return value;
    } catch (error) {
      if (signal?.aborted) throw error;
      const classified = isBotError(error) ? error : unreachable(error);
      this.options.onCall?.({ ok: false, operation: request.operation, error: classified });
      throw classified;
    }
  }

  private failed(request: V2Request, response: Response, text: string): V2Failure {
    const failure = classifyAnswer(request.operation, response.status, response.headers.get('content-type') ?? '', text, response.headers, this.options.clock.now());
    if (response.status === 422) {
      // Our request broke RunPod's schema: a bug of ours. The user gets one line; the log gets everything.
      this.options.logger.error('RunPod rejected a request of the bot as malformed (HTTP 422)', {
        operation: request.operation,
        detail: failure.problem?.detail ?? null,
        errors: failure.problem?.errors ?? [],
      });
    }
    return failure;
  }

  /** once(), retried when the request is idempotent and the failure transient. */
  call(request: V2Request, signal?: AbortSignal): Promise<unknown> {
    if (!request.idempotent) return this.once(request, signal);
    return retryRunPodCall(() => this.once(request, signal), this.options, request.operation, signal);
  }
}

/** fetch itself failed: no answer in time, no connection, or a body that is not JSON. */
export function unreachable(error: unknown): V2Failure {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new V2Failure('RUNPOD_TRANSIENT', 0, null, { message: 'RunPod did not answer in time.', cause: error });
  }
  return new V2Failure('RUNPOD_TRANSIENT', 0, null, { message: 'RunPod’s API could not be reached or sent an unreadable answer.', cause: error });
}
