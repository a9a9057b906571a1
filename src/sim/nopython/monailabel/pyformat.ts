/**
 * Python's text forms, so the Node stand-in writes the same bytes as the Python one: repr() for log
 * lines (MONAI Label logs dicts and lists as Python prints them) and json.dumps() for HTTP bodies.
 */

export type PyValue = string | number | boolean | null | undefined | readonly PyValue[] | { readonly [key: string]: PyValue };

/** repr(): single quotes unless the text holds one and no double quote, as CPython chooses. */
function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char < ' ' || char === '\x7f') out += `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out + quote;
}

export function pyRepr(value: PyValue): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  const entries = Object.entries(value as { [key: string]: PyValue });
  return `{${entries.map(([key, item]) => `${reprString(key)}: ${pyRepr(item)}`).join(', ')}}`;
}

/** json.dumps() with its defaults: ", " and ": " separators, non-ASCII as \uXXXX. */
export function pyJson(value: PyValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  const entries = Object.entries(value as { [key: string]: PyValue }).filter(([, item]) => item !== undefined);
  return `{${entries.map(([key, item]) => `${pyJson(key)}: ${pyJson(item)}`).join(', ')}}`;
}
