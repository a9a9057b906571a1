import type { RunPodSettings } from '../config/load.js';
import type { BotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Clock } from '../util/clock.js';
import type { Placement, RunPodApi } from './api.js';
import { GraphQLRunPod } from './graphql-client.js';
import { RestV2RunPod } from './v2/client.js';

export interface RunPodApiDeps {
  clock: Clock;
  logger: Logger;
  placement: Placement;
  onCall?: (result: { ok: boolean; operation: string; error?: BotError }) => void;
  fetch?: typeof fetch;
  timeoutMs?: number;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  logQuietMs?: number;
  balanceMaxAgeMs?: number;
}

/** The adapter RUNPOD_API names: REST v2 (default) or GraphQL, behind the same interface. */
export function createRunPodApi(settings: RunPodSettings & { apiKey: string }, deps: RunPodApiDeps): RunPodApi {
  const { logQuietMs, balanceMaxAgeMs, ...common } = deps;
  if (settings.api === 'graphql') return new GraphQLRunPod({ url: settings.apiUrl, apiKey: settings.apiKey, ...common });
  return new RestV2RunPod({
    url: settings.apiUrl,
    graphqlUrl: settings.graphqlUrl,
    apiKey: settings.apiKey,
    ...common,
    ...(logQuietMs !== undefined ? { logQuietMs } : {}),
    ...(balanceMaxAgeMs !== undefined ? { balanceMaxAgeMs } : {}),
  });
}
