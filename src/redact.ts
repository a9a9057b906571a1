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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every way one character of a secret may appear once it has passed through quoting or a URL. */
function characterForms(char: string): string {
  const forms = new Set([escapeRegExp(char)]);
  // URL-embedded: any character may be percent-encoded (hex case varies; the pattern ignores case).
  forms.add([...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
  if (char === ' ') forms.add('\\+');
  if (!/[A-Za-z0-9]/.test(char)) {
    forms.add(`\\\\${escapeRegExp(char)}`); // backslash-escaped: JSON, printf %q, repr()
    const code = char.codePointAt(0)!;
    if (code <= 0xffff) forms.add(`\\\\u${code.toString(16).padStart(4, '0')}`); // JSON's \u escapes
  }
  // Slack's mrkdwn escaping.
  if (char === '&') forms.add('&amp;');
  if (char === '<') forms.add('&lt;');
  if (char === '>') forms.add('&gt;');
  if (char === "'") forms.add("'\\\\''"); // inside a single-quoted shell word
  return forms.size === 1 ? [...forms][0]! : `(?:${[...forms].join('|')})`;
}

/** One pattern for a one-line secret in any of its escaped, quoted or URL-embedded forms. */
function secretPattern(secret: string): string {
  return [...secret].map(characterForms).join('');
}

function patternFor(secrets: Iterable<string>): RegExp | null {
  const list = new Set<string>();
  for (const secret of secrets) {
    if (secret.includes('\n')) {
      list.add(escapeRegExp(secret));
      // A multi-line secret (an SSH key) can leak one line at a time.
      for (const line of secret.split('\n')) if (line.trim().length >= 16) list.add(secretPattern(line.trim()));
    } else {
      list.add(secretPattern(secret));
    }
  }
  // Longest first, so a secret containing another is replaced whole.
  const forms = [...list].sort((a, b) => b.length - a.length);
  return forms.length > 0 ? new RegExp(forms.join('|'), 'gi') : null;
}

/** Shorter than this, a value would be found by chance in ordinary text: configuration refuses it. */
export const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets: RegExp | null;
  private readonly logOnly = new Set<string>();
  private logPattern: RegExp | null = null;

  /** Values shorter than MIN_SECRET_LENGTH are ignored (the configuration refuses them). */
  constructor(secrets: Iterable<string | undefined>) {
    const kept: string[] = [];
    for (const secret of secrets) if (secret && secret.trim().length >= MIN_SECRET_LENGTH) kept.push(secret);
    this.secrets = patternFor(kept);
  }

  /**
   * A value that may be shown in messages to the people allowed to see it (the secret URL) but
   * never written to the log.
   */
  hideInLogs(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || this.logOnly.has(value)) return;
    this.logOnly.add(value);
    this.logPattern = patternFor(this.logOnly);
  }

  /** For log lines: the secrets, and the values hidden from logs. */
  redactForLog(text: string): string {
    const out = this.redact(text);
    return this.logPattern ? out.replace(this.logPattern, REDACTED) : out;
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
  redactDeep<T>(value: T, seen = new WeakSet<object>(), scrub: (text: string) => string = (text) => this.redact(text)): T {
    if (typeof value === 'string') return scrub(value) as T;
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        const clean = this.redactDeep(item, seen, scrub);
        if (clean !== item) (copy ??= value.slice())[index] = clean;
      }
      return (copy ?? value) as T;
    }
    if (value instanceof Error) {
      const copy = new Error(scrub(value.message));
      copy.name = value.name;
      if (value.stack) copy.stack = scrub(value.stack);
      return copy as T;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | null = null;
    for (const key of Object.keys(source)) {
      const item = source[key];
      const clean = this.redactDeep(item, seen, scrub);
      if (clean !== item) (copy ??= { ...source })[key] = clean;
    }
    return (copy ?? value) as T;
  }
}
