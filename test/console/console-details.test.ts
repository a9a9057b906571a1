import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/catalog.js';
import { parseCommand } from '../../src/commands/parse.js';
import { TOPICS } from '../../src/knowledge/topics.js';
import { runMain } from '../helpers/run-main.js';

/** The console as an admin meets it right after `cp .env.example .env`, before Slack is set up. */
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function consoleWith(lines: string[]) {
  dir = mkdtempSync(join(tmpdir(), 'monai-console-details-'));
  // .env.example sets LOG_LEVEL=info: what the guide's first `npm start` runs with.
  copyFileSync(fileURLToPath(new URL('../../.env.example', import.meta.url)), join(dir, '.env'));
  const { code, out, err } = await runMain([], {}, dir, lines);
  const replies = Object.fromEntries(out.split(/^> /m).slice(1).map((part) => [part.split('\n')[0]!, part.split('\n').slice(1).join('\n')]));
  return { code, out, err, replies };
}

describe('the console’s replies', () => {
  it('are not interleaved with audit or progress log lines, even at LOG_LEVEL=info', async () => {
    const { code, out, err } = await consoleWith(['/monai status', '/monai history']);
    expect(code).toBe(0);
    expect(err).not.toMatch(/audit|lifecycle request/);
    expect(out).not.toMatch(/"level"|\binfo\b.*audit/);
  });

  it('answer a typo with the closest command in one line, not the whole help', async () => {
    const { replies } = await consoleWith(['/monai stpo', '/monai slicer cannot connect']);
    expect(replies['/monai stpo']).toBe('“stpo” is not a /monai command. Did you mean `/monai stop`?\n`/monai help` lists every command.\n');
    expect(replies['/monai slicer cannot connect']).toBe(
      '“slicer” is not a /monai command. Did you mean `/monai troubleshoot slicer cannot connect`?\n`/monai help` lists every command.\n',
    );
  });

  it('answer a question nothing in the knowledge base fits with the list of topics', async () => {
    const { replies } = await consoleWith(['/monai troubleshoot my cat ate the GPU']);
    const reply = replies['/monai troubleshoot my cat ate the GPU'] ?? '';
    expect(reply).toContain('I don’t know “my cat ate the GPU” yet.');
    expect(reply).toContain('Topics I can help with');
    expect(reply).not.toContain('Likely causes');
  });

  it('list in /monai help every form of a command the troubleshooting answers recommend', async () => {
    const { replies } = await consoleWith(['/monai help']);
    const help = replies['/monai help'] ?? '';
    const recommended = [...new Set(TOPICS.flatMap((topic) => [...topic.fix, ...topic.causes].join(' ').match(/`\/monai [^`]+`/g) ?? []))];
    expect(recommended).toContain('`/monai start new-pod`');
    for (const snippet of recommended) {
      const text = snippet.slice('`/monai '.length, -1);
      const command = parseCommand(text);
      expect(command.kind, snippet).not.toBe('invalid');
      const usage = COMMANDS.find((entry) => entry.name === command.kind)?.usage ?? '';
      for (const word of text.split(/\s+/).slice(1).filter((arg) => /^[a-z][a-z-]+$/.test(arg) && !['confirmed'].includes(arg))) {
        if (command.kind !== 'troubleshoot') expect(usage, `${snippet}: “${word}” in /monai help`).toContain(word);
      }
      expect(help).toContain(`/monai ${usage}`);
    }
  });
});
