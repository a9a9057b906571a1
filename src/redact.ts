/**
 * The one place secrets are scrubbed. Every log line and every outgoing Slack or console message
 * passes through a Redactor built from the configured secret values.
 */

export const REDACTED = '[redacted]';

const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\bxox[abposre]-[A-Za-z0-9-]{6,}/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/([?&]api_key=)[^&\s"']+/gi, `$1${REDACTED}`],
  [/\brpa_[A-Za-z0-9]{16,}/g, REDACTED],
  // user:password@ inside URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`],
];

function variants(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  forms.add(secret.replaceAll("'", `'\\''`));
  return [...forms].filter((form) => form.length > 0);
}

export class Redactor {
  /** Every secret form in one alternation, longest first so a secret containing another is replaced whole. */
  private readonly secrets: RegExp | null;

  /** Values shorter than 6 characters are ignored: too likely to occur by chance. */
  constructor(secrets: Iterable<string | undefined>) {
    const list = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.trim().length < 6) continue;
      for (const form of variants(secret)) list.add(form);
      // A multi-line secret (an SSH key) can leak one line at a time.
      for (const line of secret.split('\n')) if (line.trim().length >= 16) list.add(line.trim());
    }
    const forms = [...list].sort((a, b) => b.length - a.length).map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.secrets = forms.length > 0 ? new RegExp(forms.join('|'), 'gi') : null;
  }

  redact(text: string): string {
    let out = this.secrets ? text.replace(this.secrets, REDACTED) : text;
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /**
   * Redacts every string inside plain objects and arrays; other values pass through. Copies only
   * what changed: a message without secrets (nearly all) comes back as the same object.
   */
  redactDeep<T>(value: T, seen = new WeakSet<object>()): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        const clean = this.redactDeep(item, seen);
        if (clean !== item) (copy ??= value.slice())[index] = clean;
      }
      return (copy ?? value) as T;
    }
    if (value instanceof Error) {
      const copy = new Error(this.redact(value.message));
      copy.name = value.name;
      if (value.stack) copy.stack = this.redact(value.stack);
      return copy as T;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | null = null;
    for (const key of Object.keys(source)) {
      const item = source[key];
      const clean = this.redactDeep(item, seen);
      if (clean !== item) (copy ??= { ...source })[key] = clean;
    }
    return (copy ?? value) as T;
  }
}
