/** What a handled command left behind: the work still running, and how to describe its end for the audit. */
export interface Handled {
  work: Promise<string>;
  /** Read when the work is done: an operation learns its pod as it goes. */
  podId?: () => string | null;
}

export const done = (outcome = 'ok'): Handled => ({ work: Promise.resolve(outcome) });
