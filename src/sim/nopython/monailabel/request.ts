/**
 * A request target read as the Python stand-in's handler reads it (urllib.parse.urlparse and
 * parse_qs): path segments as sent (no dot segments resolved, no decoding), the raw query, and the
 * first non-blank value of each query field.
 */
export interface Target {
  parts: string[];
  rawQuery: string;
  query: Record<string, string>;
}

export function parseTarget(target: string): Target {
  let rest = target.split('#')[0]!;
  const question = rest.indexOf('?');
  const rawQuery = question < 0 ? '' : rest.slice(question + 1);
  if (question >= 0) rest = rest.slice(0, question);
  // urlparse reads //x as a host name, and ;params off the last segment.
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  const semicolon = rest.indexOf(';', rest.lastIndexOf('/'));
  if (semicolon >= 0) rest = rest.slice(0, semicolon);
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (value !== '' && !Object.hasOwn(query, key)) query[key] = value;
  }
  return { parts: rest.split('/').filter(Boolean), rawQuery, query };
}
