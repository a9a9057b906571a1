/**
 * What to do about each kind of configuration mistake: a sentence naming the page, the command or
 * the value that fixes it. Mistakes that look like one another (a user token for the bot token, a
 * channel name for its ID) are recognised and named for what they are.
 */
import { didYouMeanGpu } from '../runpod/gpu-catalog.js';

/** A configuration mistake: what is wrong (starting with the variable's name) and how to fix it. */
export interface ConfigIssue {
  variable?: string;
  message: string;
  fix: string;
}

const APP_PAGE = 'api.slack.com/apps → your app';
export const SLACK_TOKEN_FIX = {
  bot: `copy the Bot User OAuth Token (xoxb-…) from ${APP_PAGE} → OAuth & Permissions (install the app to the workspace first if the page shows none).`,
  app: `create an app-level token at ${APP_PAGE} → Basic Information → App-Level Tokens → Generate Token and Scopes, scope connections:write, and copy it (xapp-…).`,
  signing: `copy the Signing Secret from ${APP_PAGE} → Basic Information → App Credentials (click Show).`,
} as const;

export const CHANNEL_ID_FIX = 'in Slack, click the channel’s name at the top → About: the Channel ID (C…) is at the bottom; use that ID, not the #name.';
export const MEMBER_ID_FIX = 'in Slack, open the person’s profile → ⋮ (More) → Copy member ID (U…); use that ID, not the name.';

const GPU_FIX = 'use RunPod’s GPU type ids, comma-separated, e.g. GPU_TYPES=NVIDIA GeForce RTX 4090,NVIDIA RTX A5000 (the GPU ID column of docs.runpod.io/references/gpu-types; npm run check asks RunPod).';

/** Fixes for a variable whose value has the wrong form, where more can be said than "set it to …". */
const FIXES: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: SLACK_TOKEN_FIX.bot,
  SLACK_APP_TOKEN: SLACK_TOKEN_FIX.app,
  SLACK_SIGNING_SECRET: SLACK_TOKEN_FIX.signing,
  SLACK_API_URL: 'remove the SLACK_API_URL line to use Slack’s own (https://slack.com/api/); GovSlack uses https://slack-gov.com/api/.',
  RUNPOD_API_KEY: 'create a key at runpod.io → Settings → API Keys (Read/Write) and paste it whole into RUNPOD_API_KEY (it starts rpa_).',
  RUNPOD_API_URL: 'remove the RUNPOD_API_URL line to use RunPod’s own (https://api.runpod.io/graphql).',
  GPU_TYPES: GPU_FIX,
  DICOMWEB_URL: 'set it to the Orthanc DICOMweb root the pod can reach, e.g. DICOMWEB_URL=https://pacs.lab.example.org/dicom-web.',
  ALLOWED_CHANNEL_IDS: CHANNEL_ID_FIX,
  DIGEST_CHANNEL: CHANNEL_ID_FIX,
  ALLOWED_USER_IDS: MEMBER_ID_FIX,
  ADMIN_USER_IDS: MEMBER_ID_FIX,
  DIGEST_TZ: 'set DIGEST_TZ to an IANA zone name such as America/New_York or Europe/Berlin (timedatectl list-timezones), or remove the line for this machine’s zone.',
  DIGEST_CRON: 'set DIGEST_CRON to five cron fields, minute hour day month weekday, e.g. 0 19 * * * for 19:00 every day (crontab.guru explains them).',
  MONAI_MODELS: 'set MONAI_MODELS to a preset (deepgrow, deepedit, segmentation), all, or model names separated by commas, e.g. MONAI_MODELS=deepgrow_2d,deepgrow_3d.',
  IMAGE_NAME: 'set IMAGE_NAME to a RunPod PyTorch image reference such as runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04, or remove the line for the default.',
};

/** "expected a whole number from 10 to 2000" → "set VOLUME_GB to a whole number from 10 to 2000, or remove the line for the default (30)." */
export function fixFor(name: string, expectation: string, defaultText: string | undefined): string {
  const specific = FIXES[name];
  if (specific) return specific;
  const what = expectation.replace(/^expected\s+/, '');
  const fallback = defaultText === undefined ? 'or remove the line to leave it unset' : defaultText === '' ? 'or leave it empty' : `or remove the line for the default (${defaultText})`;
  return `set ${name} to ${what}, ${fallback}.`;
}

const CHANNEL_VARIABLES = new Set(['ALLOWED_CHANNEL_IDS', 'DIGEST_CHANNEL']);
const USER_VARIABLES = new Set(['ALLOWED_USER_IDS', 'ADMIN_USER_IDS']);

/** Words that are a channel's or a person's name rather than a Slack ID (C012AB3CD, U012AB3CD). */
const looksLikeName = (item: string) => /^[#@]/.test(item) || /[a-z]/.test(item) || item.includes('.');

/**
 * A recognisable mistake in a value that failed its format, named for what it is; null when it is
 * just malformed. Secret values are described, never echoed.
 */
export function diagnoseValue(name: string, value: string): ConfigIssue | null {
  const issue = (message: string, fix: string): ConfigIssue => ({ variable: name, message: `${name}: ${message}`, fix });
  if (name === 'SLACK_BOT_TOKEN') {
    if (value.startsWith('xoxp-')) return issue('that is a user token (xoxp-…); the bot needs the app’s bot token (xoxb-…)', `${SLACK_TOKEN_FIX.bot} The User OAuth Token on the same page is the wrong one.`);
    if (value.startsWith('xapp-')) return issue('that is the app-level token (xapp-…), which belongs in SLACK_APP_TOKEN', `swap the two: SLACK_APP_TOKEN=xapp-…, and SLACK_BOT_TOKEN=xoxb-…: ${SLACK_TOKEN_FIX.bot}`);
    if (value.startsWith('xoxe')) return issue('that is a rotating token (xoxe-…), which expires within 12 hours', `turn off token rotation (${APP_PAGE} → OAuth & Permissions → Advanced token security), reinstall, then ${SLACK_TOKEN_FIX.bot}`);
  }
  if (name === 'SLACK_APP_TOKEN' && value.startsWith('xox')) {
    return issue(`that is a ${value.startsWith('xoxb-') ? 'bot token (xoxb-…), which belongs in SLACK_BOT_TOKEN' : 'Slack OAuth token, not an app-level token'}; Socket Mode needs the app-level token (xapp-…)`, `${value.startsWith('xoxb-') ? 'swap the two: SLACK_BOT_TOKEN=xoxb-…, and SLACK_APP_TOKEN=xapp-…: ' : ''}${SLACK_TOKEN_FIX.app}`);
  }
  if (name === 'SLACK_SIGNING_SECRET' && /^x(ox|app)/.test(value)) {
    return issue('that is a token, not the signing secret (a string of letters and digits without a prefix)', SLACK_TOKEN_FIX.signing);
  }
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (CHANNEL_VARIABLES.has(name)) {
    const names = items.filter(looksLikeName);
    if (names.length > 0) return issue(`${names.map((item) => `“${item}”`).join(', ')} ${names.length === 1 ? 'is a channel name' : 'are channel names'}; the bot needs channel IDs (C… or G…)`, CHANNEL_ID_FIX);
  }
  if (USER_VARIABLES.has(name)) {
    const names = items.filter(looksLikeName);
    if (names.length > 0) return issue(`${names.map((item) => `“${item}”`).join(', ')} ${names.length === 1 ? 'is a name' : 'are names'}; the bot needs member IDs (U… or W…), which cannot be spoofed`, MEMBER_ID_FIX);
  }
  if (name === 'GPU_TYPES') {
    const guesses = items.map((item) => ({ item, hint: didYouMeanGpu(item) })).filter(({ hint }) => hint);
    if (guesses.length > 0) return issue(`${guesses.map(({ item, hint }) => `“${item}” is not a RunPod GPU type id${hint}`).join('; ')}`, GPU_FIX);
  }
  return null;
}

/** For GPU_TYPES problems found outside loadConfig (npm run check, a deploy refusal). */
export const GPU_TYPES_FIX = GPU_FIX;
