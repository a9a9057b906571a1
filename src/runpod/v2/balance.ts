import { ClientError, GraphQLClient } from 'graphql-request';
import type { Account } from '../api.js';
import { USER_AGENT, type RunPodConnection } from '../connection.js';

const BALANCE = `query Balance { myself { clientBalance currentSpendPerHr spendLimit } }`;
/** After GraphQL answered that it is gone, ask again only this much later. */
const GONE_BACKOFF_MS = 3_600_000;

export type GraphQLBalanceOptions = Pick<RunPodConnection, 'url' | 'apiKey' | 'clock' | 'logger' | 'fetch' | 'timeoutMs'> & {
  /** A balance read this recently is reused: it moves by cents an hour, and a channel full of /monai status need not double the calls. */
  maxAgeMs?: number;
};

/**
 * The account's balance and spend: v2 has no route for them, so they stay on GraphQL, with the
 * same key, while it lives. Never throws: a failure is null ("balance unavailable from RunPod"),
 * and the digest then works from the last balance it sampled.
 */
export class GraphQLBalance {
  private readonly client: GraphQLClient;
  private goneUntil = 0;
  private failing = false;
  private last: { account: Account; at: number } | null = null;

  constructor(private readonly options: GraphQLBalanceOptions) {
    this.client = new GraphQLClient(options.url, {
      headers: { Authorization: `Bearer ${options.apiKey}`, 'User-Agent': USER_AGENT },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async read(signal?: AbortSignal): Promise<Account | null> {
    const now = this.options.clock.now();
    if (this.last && now - this.last.at < (this.options.maxAgeMs ?? 60_000)) return this.last.account;
    if (now < this.goneUntil) return null;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    try {
      const data = await this.client.request<{ myself: { clientBalance: number | null; currentSpendPerHr: number | null; spendLimit: number | null } | null }>({
        document: BALANCE,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const me = data.myself;
      if (!me || typeof me.clientBalance !== 'number' || typeof me.currentSpendPerHr !== 'number') return this.unavailable('GraphQL answered without a balance');
      this.failing = false;
      const account = { balance: me.clientBalance, spendPerHr: me.currentSpendPerHr, spendLimit: me.spendLimit ?? null };
      this.last = { account, at: now };
      return account;
    } catch (error) {
      if (signal?.aborted) throw error;
      const status = error instanceof ClientError ? error.response.status : undefined;
      if (status === 404 || status === 410) this.goneUntil = this.options.clock.now() + GONE_BACKOFF_MS;
      return this.unavailable(status ? `GraphQL answered HTTP ${status}` : error instanceof Error ? error.message : String(error));
    }
  }

  private unavailable(reason: string): null {
    // Once per failing streak: the sampler asks every few minutes.
    this.options.logger.log(this.failing ? 'debug' : 'warn', 'balance unavailable from RunPod', { reason });
    this.failing = true;
    return null;
  }
}
