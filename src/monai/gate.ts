import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BotError } from '../errors.js';

/**
 * The gate in front of MONAI Label on the pod (gate.py, Python standard library only): the
 * exposed port admits only paths under the secret prefix. This module holds what the bot needs to
 * start it and to recognise it from outside.
 */
export const GATE_SOURCE = readFileSync(new URL('./gate.py', import.meta.url), 'utf8');

/** Inside the container: the gate on RunPod's exposed port, MONAI Label on loopback behind it. */
export const GATE_LISTEN = { host: '0.0.0.0', port: 8000 } as const;
export const MONAI_INTERNAL = { host: '127.0.0.1', port: 8001 } as const;

/** The gate names its configuration's digest in this header on every answer under the secret prefix. */
export const GATE_HEADER = 'x-monai-pod-gate';

/** Always refused, whatever MONAI_BLOCKED_ROUTES says: new weights are loaded with torch.load (code execution). */
export const ALWAYS_BLOCKED: readonly string[] = ['PUT /model/', 'DELETE /model/'];

/** One MONAI_BLOCKED_ROUTES entry: an optional method, then a path prefix. */
export const BLOCKED_ROUTE = /^(?:(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) )?\/[A-Za-z0-9._~/-]*$/;

/** The bot reads readiness from GET /info/: a rule that covers it would lock the bot out. */
export function blocksReadiness(entry: string): boolean {
  const [method, path] = entry.includes(' ') ? entry.split(' ') : [undefined, entry];
  const prefix = path!.toLowerCase().replace(/\/+$/, '');
  return (method === undefined || method === 'GET') && (prefix === '' || prefix === '/info');
}

export interface GateSettings {
  /** The secret path segment: base64url, at least 128 random bits. */
  token: string;
  /** MONAI_BLOCKED_ROUTES. */
  blocked: readonly string[];
}

export interface GateConfig {
  /** The file the gate reads (mode 600 on the pod: it holds the token). */
  json: string;
  /** Names this exact configuration and gate.py; the gate sends it back in GATE_HEADER. */
  digest: string;
}

const CODE_DIGEST = createHash('sha256').update(GATE_SOURCE).digest('hex');

export function gateConfig(settings: GateSettings): GateConfig {
  if (!/^[A-Za-z0-9_-]{22,128}$/.test(settings.token)) throw new BotError('INPUT_INVALID', { message: 'Refusing to send an unsafe gate token to the pod.' });
  if (settings.blocked.some((entry) => !BLOCKED_ROUTE.test(entry))) throw new BotError('INPUT_INVALID', { message: 'Refusing to send an unsafe blocked route to the pod.' });
  const body = {
    listen: [GATE_LISTEN.host, GATE_LISTEN.port],
    upstream: [MONAI_INTERNAL.host, MONAI_INTERNAL.port],
    token: settings.token,
    blocked: [...settings.blocked],
  };
  const digest = createHash('sha256').update(CODE_DIGEST).update(JSON.stringify(body)).digest('hex').slice(0, 24);
  return { json: `${JSON.stringify({ ...body, digest })}\n`, digest };
}
