import { timingSafeEqual } from 'node:crypto';
import { Malformed, pyStrip } from './http1.js';

/** gate.py's decisions: the secret prefix, the blocked routes, the redirects that keep the prefix. */

export type Rule = [method: string | null, prefix: string];

/** Always refused, whatever the configuration says (gate.py's ALWAYS_BLOCKED). */
export const ALWAYS_BLOCKED = ['PUT /model/', 'DELETE /model/'];

/** urllib.parse.unquote: runs of %XX decoded as UTF-8, invalid bytes replaced. */
function unquote(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

/**
 * The path as MONAI Label's router sees it (percent-decoded), with dot segments and repeated
 * slashes resolved and lower-cased, so that no spelling slips past a rule.
 */
export function normalise(path: string): string {
  for (let round = 0; round < 3; round++) {
    const decoded = unquote(path);
    if (decoded === path) break;
    path = decoded;
  }
  let segments: string[] = [];
  for (const segment of path.replaceAll('\\', '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments = segments.slice(0, -1);
    else segments.push(segment);
  }
  return `/${segments.join('/')}`.toLowerCase();
}

export function parseRule(entry: string): Rule {
  const stripped = pyStrip(entry);
  const space = stripped.lastIndexOf(' ');
  const [method, path] = space < 0 ? ['', stripped] : [stripped.slice(0, space), stripped.slice(space + 1)];
  return [pyStrip(method).toUpperCase() || null, normalise(path)];
}

export function blocked(rules: readonly Rule[], method: string, path: string): boolean {
  return rules.some(([ruleMethod, prefix]) => (!ruleMethod || ruleMethod === method) && (path === prefix || path.startsWith(`${prefix.replace(/\/+$/, '')}/`)));
}

/** The target with the secret prefix removed, or null when it does not carry the prefix. */
export function admitted(token: Buffer, target: string): string | null {
  const raw = Buffer.from(target, 'latin1');
  const prefix = Buffer.concat([Buffer.from('/'), token]);
  const head = Buffer.alloc(prefix.length);
  raw.copy(head, 0, 0, prefix.length);
  const rest = raw.subarray(prefix.length);
  const matches = timingSafeEqual(head, prefix);
  if (!matches || !(rest.length === 0 || rest[0] === 0x2f || rest[0] === 0x3f)) return null;
  const text = rest.toString('latin1');
  return text.startsWith('/') ? text : `/${text}`;
}

/** Schemes whose URLs urlunsplit writes with "//" (urllib.parse.uses_netloc). */
const USES_NETLOC = new Set(
  'ftp http gopher nntp telnet imap wais file mms https shttp snews prospero rtsp rtsps rtspu rsync svn svn+ssh sftp nfs git git+ssh ws wss itms-services'.split(' '),
);

/** urlsplit: scheme, netloc, path, query, fragment (leading controls and spaces, tabs and line breaks dropped first). */
function urlsplit(url: string): { scheme: string; netloc: string; path: string; query: string; fragment: string } {
  // eslint-disable-next-line no-control-regex
  let rest = url.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
    if (netloc.includes('[') !== netloc.includes(']')) throw new Malformed('Invalid IPv6 URL');
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)];
  let query = '';
  const question = rest.indexOf('?');
  if (question >= 0) [rest, query] = [rest.slice(0, question), rest.slice(question + 1)];
  return { scheme, netloc, path: rest, query, fragment };
}

/** MONAI Label's redirects point at its own paths: they keep the secret prefix. */
export function withPrefix(token: string, location: string, host: string): string {
  const parts = urlsplit(location);
  if (parts.netloc && parts.netloc !== host) return location;
  if (!parts.path.startsWith('/')) return location;
  let url = `/${token}${parts.path}`;
  if (parts.netloc || (parts.scheme && USES_NETLOC.has(parts.scheme))) url = `//${parts.netloc}${url}`;
  if (parts.scheme) url = `${parts.scheme}:${url}`;
  if (parts.query) url += `?${parts.query}`;
  if (parts.fragment) url += `#${parts.fragment}`;
  return url;
}
