import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { flushLogFile, createLogger } from '../../src/log.js';
import { Redactor } from '../../src/redact.js';
import { eventually } from '../helpers/harness.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('rotates LOG_FILE by size and keeps LOG_FILE_COUNT files, newest first', async () => {
  dir = mkdtempSync(join(tmpdir(), 'monai-log-'));
  const path = join(dir, 'bot.log');
  const logger = createLogger({ level: 'info', format: 'json', redactor: new Redactor(['xoxb-secret-token']), stream: new PassThrough(), file: { path, maxBytes: 4000, maxFiles: 3 } });
  // About 20 files' worth, a few lines at a time, as a running bot's log arrives: each few lines are
  // written before the next come (lines that arrive during a rotation all go to the next file, so a
  // writer racing a slow disk would make files as large as the race, not as LOG_FILE_MAX_MB).
  const file = logger.transports.find((transport) => 'filename' in transport)!;
  let logged = 0;
  file.on('logged', () => logged++);
  const written = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (logged >= count ? (file.off('logged', check), resolve()) : undefined);
      file.on('logged', check);
      check();
    });
  for (let line = 0; line < 600; line++) {
    logger.info(`line ${line} with token xoxb-secret-token`, { padding: 'x'.repeat(40) });
    if (line % 5 === 4) await written(line + 1);
  }
  // Every line reaches some file; then no write may be pending when the files are read.
  await eventually(() => readdirSync(dir!).some((name) => readFileSync(join(dir!, name), 'utf8').includes('"line 599 ')));
  await flushLogFile(logger);

  expect(readdirSync(dir).sort()).toEqual(['bot.log', 'bot1.log', 'bot2.log']);
  expect(existsSync(join(dir, 'bot3.log'))).toBe(false);
  // bot.log is the file being written (empty just after a rotation), bot1.log the one before it.
  const numbers = (name: string) => [...readFileSync(join(dir!, name), 'utf8').matchAll(/"line (\d+)/g)].map((match) => Number(match[1]));
  expect([...numbers('bot1.log'), ...numbers('bot.log')].at(-1)).toBe(599);
  expect(Math.max(...numbers('bot2.log'))).toBeLessThan(Math.min(...numbers('bot1.log')));
  for (const name of readdirSync(dir)) {
    expect(readFileSync(join(dir, name)).length).toBeLessThanOrEqual(2 * 4000);
    expect(readFileSync(join(dir, name), 'utf8')).not.toContain('xoxb-secret-token');
  }
});
