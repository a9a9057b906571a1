import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import { CHANNEL_ID_FIX, type ConfigIssue } from './fixes.js';
import { VARIABLES } from './variables.js';
import { ConfigError, loadConfig, type Config, type Env } from './load.js';

export interface EnvSettings {
  env: Env;
  /** Values in the file that dotenv read differently from what was written (see valuesLostToComments). */
  issues: ConfigIssue[];
}

/** Variables from ./.env (or the --dotenv file), overridden by the real environment. */
export function readEnv(env: Env, cwd: string, envFile?: string): EnvSettings {
  const file = resolve(cwd, envFile ?? '.env');
  if (envFile && !existsSync(file)) {
    throw new ConfigError([{ message: `--dotenv: there is no file at ${file}`, fix: `check the path (a relative one starts from ${cwd}).` }]);
  }
  if (!existsSync(file)) return { env: { ...env }, issues: [] };
  const text = readFileSync(file, 'utf8');
  const shown = envFile ?? '.env';
  // The real environment wins, so a line it overrides cannot mislead.
  const issues = valuesLostToComments(text, shown).filter((issue) => !issue.variable || !(env[issue.variable] ?? '').trim());
  return { env: { ...dotenv.parse(text), ...env }, issues };
}

const SECRET = new Set(Object.values(VARIABLES).filter((spec) => 'secret' in spec && spec.secret).map((spec) => spec.name));
const EMPTY_MEANS: Readonly<Record<string, string>> = {
  ALLOWED_CHANNEL_IDS: 'and an empty ALLOWED_CHANNEL_IDS lets /monai act from every channel',
  ALLOWED_USER_IDS: 'and an empty ALLOWED_USER_IDS lets everyone act',
  ADMIN_USER_IDS: 'so nobody is an admin',
  DIGEST_CHANNEL: 'so there is no nightly digest',
};

/**
 * Lines whose value dotenv reads as (part of) a comment: an unquoted `#` ends a value in .env, so
 * `ALLOWED_CHANNEL_IDS=#annotation` is read as empty and `DICOMWEB_PASSWORD=pa#ss` as "pa". Read
 * from the raw lines, because the parsed value cannot tell them from an empty or short one. A `#`
 * followed by a space after the `=`, or after a space, is a comment the author meant; `# ` at the
 * start of a line is a comment line.
 */
export function valuesLostToComments(text: string, file = '.env'): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=(.*)$/.exec(line);
    if (!match) continue;
    const [, name = '', rest = ''] = match;
    if (!(name in VARIABLES)) continue;
    const value = rest.trimStart();
    if (/^["'`]/.test(value)) continue;
    const hash = value.indexOf('#');
    if (hash < 0) continue;
    const kept = value.slice(0, hash).trim();
    const afterHash = value.slice(hash + 1);
    const meantAsComment = (hash === 0 && /^(\s|$)/.test(afterHash)) || (hash > 0 && /\s/.test(value[hash - 1] ?? ''));
    if (meantAsComment) continue;
    const written = value.replace(/\s+#\s.*$/, '').trim();
    const secret = SECRET.has(name);
    const quoted = secret ? `${name}="…"` : `${name}="${written}"`;
    if (kept === '') {
      const consequence = EMPTY_MEANS[name] ?? 'so it is empty';
      const channel = name === 'ALLOWED_CHANNEL_IDS' || name === 'DIGEST_CHANNEL';
      issues.push({
        variable: name,
        message: `${name}: ${secret ? 'its value' : `“${written}”`} in ${file} is read as a comment (an unquoted # starts one), ${consequence}`,
        fix: channel ? `${CHANNEL_ID_FIX} (A #name would need quotes, and would still not be an ID.)` : `put the value in double quotes: ${quoted}.`,
      });
    } else {
      issues.push({
        variable: name,
        message: `${name}: ${secret ? 'its value' : `“${written}”`} in ${file} is cut at the # (an unquoted # starts a comment)${secret ? '' : `: the bot reads “${kept}”`}`,
        fix: `put the value in double quotes: ${quoted}; or, if the rest is a comment, put a space before the #.`,
      });
    }
  }
  return issues;
}

/**
 * The configuration (unless it cannot be read), and every mistake found in it and in the .env
 * file's lines, each with its fix.
 */
export function loadSettings(env: Env, fileIssues: readonly ConfigIssue[]): { config: Config | null; issues: ConfigIssue[] } {
  try {
    return { config: loadConfig(env), issues: [...fileIssues] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A value lost to a comment is reported once, as that, not again as empty or malformed.
    const more = error.issues.filter((issue) => !fileIssues.some((other) => other.variable && other.variable === issue.variable));
    return { config: null, issues: [...fileIssues, ...more] };
  }
}
