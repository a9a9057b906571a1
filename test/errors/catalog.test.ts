/**
 * The error catalog stays honest: every code is one the bot can really throw, and each one leads a
 * user to a troubleshooting topic — by its `topic`, and by pasting the error into `/monai troubleshoot`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type ErrorCode } from '../../src/errors.js';
import { matchTopic } from '../../src/knowledge/match.js';
import { TOPICS } from '../../src/knowledge/topics.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [readFileSync(join(dir, entry.name), 'utf8')] : [],
  );
}

const codes = Object.keys(ERROR_CATALOG) as ErrorCode[];
const code = sources(SRC).join('\n');

/** Where a code is created: `new BotError('CODE'` anywhere, or `super('CODE'` in a subclass of BotError. */
function thrownIn(text: string, errorCode: ErrorCode): boolean {
  if (new RegExp(`new BotError\\(\\s*'${errorCode}'`).test(text)) return true;
  return /extends BotError/.test(text) && new RegExp(`super\\(\\s*'${errorCode}'`).test(text);
}

describe('the error catalog', () => {
  it.each(codes)('%s is created somewhere in src/', (errorCode) => {
    expect(thrownIn(code, errorCode), `nothing in src/ creates ${errorCode}: remove it from src/errors.ts, or throw it`).toBe(true);
  });

  it.each(codes)('%s names a troubleshooting topic that exists, and the topic answers its message', (errorCode) => {
    const entry = ERROR_CATALOG[errorCode];
    expect(TOPICS.map((topic) => topic.id)).toContain(entry.topic);
    // What a user pastes after seeing the error.
    expect(matchTopic(entry.summary)?.topic.id).toBe(entry.topic);
  });
});
