import { int, spec, text, url } from './spec.js';

export const SLACK_VARIABLES = {
  // ---- Slack
  SLACK_BOT_TOKEN: spec({
    name: 'SLACK_BOT_TOKEN',
    doc: 'Bot token (xoxb-…) from the Slack app’s OAuth & Permissions page; empty = local console',
    secret: true,
    schema: text('expected a bot token starting with xoxb-', /^xoxb-[A-Za-z0-9-]+$/),
  }),
  SLACK_SIGNING_SECRET: spec({
    name: 'SLACK_SIGNING_SECRET',
    doc: 'Signing secret from Basic Information; required in HTTP mode',
    secret: true,
    schema: text('expected the hexadecimal signing secret from Basic Information', /^[A-Za-z0-9]{16,}$/),
  }),
  SLACK_APP_TOKEN: spec({
    name: 'SLACK_APP_TOKEN',
    doc: 'App-level token (xapp-…, scope connections:write); set = Socket Mode, empty = HTTP mode',
    secret: true,
    schema: text('expected an app-level token starting with xapp-', /^xapp-[A-Za-z0-9-]+$/),
  }),
  SLACK_API_URL: spec({
    name: 'SLACK_API_URL',
    default: 'https://slack.com/api/',
    doc: 'Slack Web API base URL (GovSlack: https://slack-gov.com/api/)',
    schema: url('the Web API base, ending in /api/').transform((value) => (value.endsWith('/') ? value : `${value}/`)),
  }),
  PORT: spec({
    name: 'PORT',
    default: '3000',
    doc: 'HTTP mode: port for Slack’s requests at /slack/events (and /healthz)',
    schema: int(1, 65535),
  }),
};
