import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { VARIABLES } from '../../src/config/variables.js';
import { runMain } from '../helpers/run-main.js';

/**
 * The mistakes a lab's admin makes in .env while following the setup guide: each must stop both
 * `npm run check` (a FAIL line naming the variable, then its fix) and `npm start` (the same words),
 * never pass as "All good".
 */
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'monai-mistakes-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[], dotenv: string, env: Record<string, string> = {}) {
  writeFileSync(join(dir, '.env'), dotenv);
  return runMain(argv, env, dir);
}

/** The check's FAIL line for the configuration and its fix, and npm start's error and fix. */
async function bothWays(dotenv: string, env: Record<string, string> = {}) {
  const check = await run(['--check'], dotenv, env);
  const start = await run([], dotenv, env);
  const lines = check.out.split('\n');
  const failures = lines.flatMap((line, at) => (line.startsWith('FAIL  Configuration: ') ? [{ detail: line.slice('FAIL  Configuration: '.length), fix: lines[at + 1] ?? '' }] : []));
  const errors = start.err.split('\n');
  const stops = errors.flatMap((line, at) => (line.startsWith('Configuration error: ') ? [{ detail: line.slice('Configuration error: '.length), fix: errors[at + 1] ?? '' }] : []));
  return { check, start, failures, stops };
}

describe('a value .env reads as a comment', () => {
  it('ALLOWED_CHANNEL_IDS=#annotation is an error that says so, not an empty list that allows every channel', async () => {
    const { check, start, failures, stops } = await bothWays('# Who may do what\nALLOWED_CHANNEL_IDS=#annotation\n');

    expect(check.code).toBe(1);
    expect(check.out).not.toContain('All good');
    expect(failures).toEqual([
      {
        detail: 'ALLOWED_CHANNEL_IDS: “#annotation” in .env is read as a comment (an unquoted # starts one), and an empty ALLOWED_CHANNEL_IDS lets /monai act from every channel',
        fix: '      Fix: in Slack, click the channel’s name at the top → About: the Channel ID (C…) is at the bottom; use that ID, not the #name. (A #name would need quotes, and would still not be an ID.)',
      },
    ]);
    expect(start.code).toBe(78);
    expect(stops).toEqual([{ detail: failures[0]!.detail, fix: `  Fix: ${failures[0]!.fix.slice('      Fix: '.length)}` }]);
    expect(start.out).toBe('');
  });

  it('DIGEST_CHANNEL=#annotation is not reported as “empty”', async () => {
    const { check, failures, start } = await bothWays('DIGEST_CHANNEL=#annotation\n');
    expect(check.code).toBe(1);
    expect(failures.map((failure) => failure.detail)).toEqual(['DIGEST_CHANNEL: “#annotation” in .env is read as a comment (an unquoted # starts one), so there is no nightly digest']);
    expect(check.out).not.toContain('DIGEST_CHANNEL is empty');
    expect(start.code).toBe(78);
  });

  it('a password cut at an unquoted # is named without showing it, with the quoting fix', async () => {
    const { failures } = await bothWays('DICOMWEB_USERNAME=bot\nDICOMWEB_PASSWORD=s3cret#tail\n');
    expect(failures).toEqual([
      {
        detail: 'DICOMWEB_PASSWORD: its value in .env is cut at the # (an unquoted # starts a comment)',
        fix: '      Fix: put the value in double quotes: DICOMWEB_PASSWORD="…"; or, if the rest is a comment, put a space before the #.',
      },
    ]);
  });

  it('leaves real comments alone: a comment line, and a comment after a value and a space', async () => {
    const { start } = await bothWays('# ALLOWED_CHANNEL_IDS=#annotation\nDIGEST_CHANNEL=C0LAB # the lab channel\nALLOWED_CHANNEL_IDS= # any channel for now\n');
    expect(start.code).toBe(0);
    expect(start.err).toBe('');
  });

  it('does not blame the file when the environment sets the variable', async () => {
    const { start } = await bothWays('ALLOWED_CHANNEL_IDS=#annotation\n', { ALLOWED_CHANNEL_IDS: 'C0LAB' });
    expect(start.code).toBe(0);
  });
});

describe('names where Slack IDs belong', () => {
  it('a channel name, quoted or bare, is named as a channel name with the way to its ID', async () => {
    const { failures, start } = await bothWays('DIGEST_CHANNEL="#annotation"\nALLOWED_CHANNEL_IDS=C0LAB,annotation\n');
    expect(failures.map((failure) => failure.detail)).toEqual([
      'DIGEST_CHANNEL: “#annotation” is a channel name; the bot needs channel IDs (C… or G…)',
      'ALLOWED_CHANNEL_IDS: “annotation” is a channel name; the bot needs channel IDs (C… or G…)',
    ]);
    for (const { fix } of failures) expect(fix).toContain('the Channel ID (C…) is at the bottom');
    expect(start.code).toBe(78);
  });

  it('a person’s name or @handle is named as a name, with Copy member ID', async () => {
    const { failures } = await bothWays('ADMIN_USER_IDS=@alice\n');
    expect(failures).toEqual([
      {
        detail: 'ADMIN_USER_IDS: “@alice” is a name; the bot needs member IDs (U… or W…), which cannot be spoofed',
        fix: '      Fix: in Slack, open the person’s profile → ⋮ (More) → Copy member ID (U…); use that ID, not the name.',
      },
    ]);
  });
});

describe('the fix for each kind of mistake', () => {
  const slack = 'RUNPOD_API_KEY=rpa_0123456789abcdef\nDICOMWEB_URL=https://pacs.example.org/dicom-web\n';

  it('a user token in SLACK_BOT_TOKEN: which token, from which page', async () => {
    const { failures, start } = await bothWays(`${slack}SLACK_BOT_TOKEN=xoxp-1-2-3-abc\nSLACK_APP_TOKEN=xapp-1-A1-abc\n`);
    expect(failures).toEqual([
      {
        detail: 'SLACK_BOT_TOKEN: that is a user token (xoxp-…); the bot needs the app’s bot token (xoxb-…)',
        fix: '      Fix: copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → your app → OAuth & Permissions (install the app to the workspace first if the page shows none). The User OAuth Token on the same page is the wrong one.',
      },
    ]);
    expect(start.err).not.toContain('xoxp-1-2-3-abc');
  });

  it('swapped bot and app-level tokens: both named, with “swap the two”', async () => {
    const { failures } = await bothWays(`${slack}SLACK_BOT_TOKEN=xapp-1-A1-abc\nSLACK_APP_TOKEN=xoxb-1-2-abc\n`);
    expect(failures.map((failure) => failure.detail)).toEqual([
      'SLACK_BOT_TOKEN: that is the app-level token (xapp-…), which belongs in SLACK_APP_TOKEN',
      'SLACK_APP_TOKEN: that is a bot token (xoxb-…), which belongs in SLACK_BOT_TOKEN; Socket Mode needs the app-level token (xapp-…)',
    ]);
    expect(failures[0]!.fix).toMatch(/swap the two: .*OAuth & Permissions/);
    expect(failures[1]!.fix).toMatch(/swap the two: .*Basic Information → App-Level Tokens/);
  });

  it('no mistake ends with the same “see .env.example”: every malformed variable gets a fix of its own', () => {
    const generic: string[] = [];
    for (const spec of Object.values(VARIABLES)) {
      if (spec.schema.safeParse('%% not a value %%').success) continue;
      try {
        loadConfig({ [spec.name]: '%% not a value %%' });
        generic.push(`${spec.name}: accepted`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const issue = error.issues.find((found) => found.variable === spec.name);
        const specific = issue !== undefined && (issue.fix.includes(spec.name) || /api\.slack\.com|runpod\.io|in Slack/.test(issue.fix));
        if (!issue || /\.env\.example/.test(issue.fix) || !specific) {
          generic.push(`${spec.name}: ${issue?.fix ?? 'no issue'}`);
        }
      }
    }
    expect(generic).toEqual([]);
  });

  it('says nothing about .env.example when the settings are wrong', async () => {
    const { check, start } = await bothWays('VOLUME_GB=lots\nDIGEST_TZ=Mars/Olympus\n');
    expect(check.out + start.err).not.toMatch(/\.env\.example/);
    expect(start.err).toContain('  Fix: set DIGEST_TZ to an IANA zone name such as America/New_York');
  });
});
