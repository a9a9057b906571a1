import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../src/cli/args.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { runMain } from '../helpers/run-main.js';

/** The command line is read strictly: help and mistakes answer and exit, and never start a bot. */
let fake: FakeSlack;
let dir: string;
beforeAll(async () => {
  fake = await new FakeSlack().start();
  dir = mkdtempSync(join(tmpdir(), 'monai-cli-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[]) {
  // Settings for Slack mode: a bot that started would call Slack at once.
  const env = { SLACK_BOT_TOKEN: 'xoxb-1-2-cli', SLACK_APP_TOKEN: 'xapp-1-A1-cli', SLACK_API_URL: fake.apiUrl, RUNPOD_API_KEY: 'rpa_0123456789abcdef', DICOMWEB_URL: 'https://pacs.example.org/dicom-web' };
  return runMain(argv, env, dir);
}

describe('the command line', () => {
  it.each([['--help'], ['-h'], ['--check', '--help']])('%s prints the usage and exits without connecting to Slack', async (...argv) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(0);
    expect(out).toBe(`${USAGE}\n`);
    expect(out).toContain('--dotenv PATH');
    expect(err).toBe('');
    expect(fake.calls).toEqual([]);
  });

  it.each([
    [['--verbose'], 'unknown option --verbose'],
    [['-x'], 'unknown option -x'],
    [['start'], 'unexpected argument “start” (settings go in .env, not on the command line)'],
    [['--dotenv'], '--dotenv needs the path of a settings file, e.g. --dotenv lab.env'],
    [['--dotenv', '--check'], '--dotenv needs the path of a settings file, e.g. --dotenv lab.env'],
    [['--dotenv='], '--dotenv needs the path of a settings file, e.g. --dotenv lab.env'],
  ])('%j is refused with the usage and exit code 64, before anything starts', async (argv, message) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(64);
    expect(err).toBe(`monai-pod-bot: ${message}\n\n${USAGE}\n`);
    expect(out).toBe('');
    expect(fake.calls).toEqual([]);
  });

  it('still prints the version', async () => {
    expect(await run(['-v'])).toEqual({ code: 0, out: 'monai-pod-bot 0.1.0\n', err: '' });
  });
});
