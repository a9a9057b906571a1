import type { Logger } from '../log.js';
import type { Redactor } from '../redact.js';
import type { Clock } from '../util/clock.js';

export type AuditKind = 'command' | 'button' | 'auto';

/** One thing done with the bot: who, where, what, on which pod, how it ended, how long it took. */
export interface AuditEntry {
  at: number;
  actor: string;
  channel: string | null;
  kind: AuditKind;
  text: string;
  podId: string | null;
  /** ok, refused, failed:<CODE>, succeeded, cancelled … */
  outcome: string;
  durationMs: number;
}

export interface AuditRepo {
  add(entry: AuditEntry): Promise<void>;
  recent(limit: number): Promise<AuditEntry[]>;
}

/** Writes each entry to the database and to the log, with anything secret-looking removed first. */
export class Auditor {
  constructor(
    private readonly repo: AuditRepo,
    private readonly logger: Logger,
    private readonly redactor: Redactor,
    private readonly clock: Clock,
  ) {}

  async record(entry: Omit<AuditEntry, 'at' | 'durationMs'> & { startedAt?: number }): Promise<void> {
    const now = this.clock.now();
    const clean: AuditEntry = {
      at: entry.startedAt ?? now,
      actor: entry.actor,
      channel: entry.channel,
      kind: entry.kind,
      // Commands are short; anything longer was pasted and is not worth keeping whole.
      text: this.redactor.redact(entry.text).slice(0, 200),
      podId: entry.podId,
      outcome: this.redactor.redact(entry.outcome).slice(0, 200),
      durationMs: Math.max(0, now - (entry.startedAt ?? now)),
    };
    this.logger.info('audit', { ...clean });
    try {
      await this.repo.add(clean);
    } catch (error) {
      this.logger.error('could not write the audit entry', { error });
    }
  }

  recent(limit: number): Promise<AuditEntry[]> {
    return this.repo.recent(limit);
  }
}
