import { z } from 'zod';

/**
 * Every environment variable the bot reads, with its default and a one-line description.
 * `.env.example` is checked against this list by a test, so the two cannot drift apart.
 */
export interface VariableSpec<T = unknown> {
  name: string;
  /** Text as it would appear in .env; undefined = no default (optional or required). */
  default?: string;
  doc: string;
  secret?: boolean;
  /** Parses the raw (trimmed, non-empty) text. */
  schema: z.ZodType<T>;
}

const text = (expect: string, pattern: RegExp) => z.string().regex(pattern, { message: expect });
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));
const num = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: `expected a number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));
const url = (what: string) =>
  z.string().refine(
    (value) => {
      try {
        const parsed = new URL(value);
        return parsed.protocol === 'http:' || parsed.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: `expected an http(s) URL (${what})` },
  );
const list = <T>(item: z.ZodType<T, string>) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item));
const slackId = (prefixes: string) =>
  z.string().regex(new RegExp(`^[${prefixes}][A-Z0-9]{2,}$`), {
    message: `expected Slack IDs starting with ${prefixes.split('').join(' or ')} (e.g. ${prefixes[0]}012AB3CD), comma-separated`,
  });

export const GPU_ID = /^(NVIDIA|AMD) [A-Za-z0-9 .-]+$/;

function spec<T>(value: VariableSpec<T>): VariableSpec<T> {
  return value;
}

export const VARIABLES = {
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
  // ---- RunPod
  RUNPOD_API_KEY: spec({
    name: 'RUNPOD_API_KEY',
    doc: 'RunPod API key (read/write); empty = the console uses the built-in simulator',
    secret: true,
    schema: text('expected a RunPod API key (letters, digits, _ and -)', /^[A-Za-z0-9_-]{8,}$/),
  }),
  RUNPOD_API_URL: spec({
    name: 'RUNPOD_API_URL',
    default: 'https://api.runpod.io/graphql',
    doc: 'RunPod GraphQL endpoint',
    schema: url('RunPod’s GraphQL endpoint'),
  }),
  POD_NAME: spec({
    name: 'POD_NAME',
    default: 'monai-label',
    doc: 'Name of the lab’s pod; the bot finds it by this name before deploying',
    schema: text('expected 1–64 letters, digits, dots, dashes or underscores', /^[A-Za-z0-9._-]{1,64}$/),
  }),
  GPU_TYPES: spec({
    name: 'GPU_TYPES',
    default:
      'NVIDIA GeForce RTX 4090,NVIDIA GeForce RTX 3090,NVIDIA RTX A5000,NVIDIA RTX A4500,NVIDIA RTX A4000,NVIDIA L4,NVIDIA RTX A6000',
    doc: 'GPU type ids in order of preference (RunPod’s full ids, each with ≥ 12 GB)',
    schema: list(
      text('expected RunPod GPU ids such as “NVIDIA GeForce RTX 4090”, comma-separated', GPU_ID),
    ).pipe(z.array(z.string()).min(1, { message: 'expected at least one GPU type id' })),
  }),
  CLOUD_TYPE: spec({
    name: 'CLOUD_TYPE',
    default: 'COMMUNITY',
    doc: 'COMMUNITY, SECURE or ALL',
    schema: z.enum(['COMMUNITY', 'SECURE', 'ALL'], { message: 'expected COMMUNITY, SECURE or ALL' }),
  }),
  COUNTRY_CODE: spec({
    name: 'COUNTRY_CODE',
    default: 'US',
    doc: 'Two-letter country the pod must be in',
    schema: text('expected a two-letter country code such as US', /^[A-Z]{2}$/),
  }),
  CONTAINER_DISK_GB: spec({
    name: 'CONTAINER_DISK_GB',
    default: '10',
    doc: 'Container disk in GB (wiped on every stop)',
    schema: int(5, 500),
  }),
  VOLUME_GB: spec({
    name: 'VOLUME_GB',
    default: '30',
    doc: 'Pod volume in GB: holds the venv, models and cache; kept (and billed) while stopped',
    schema: int(10, 2000),
  }),
  VOLUME_MOUNT_PATH: spec({
    name: 'VOLUME_MOUNT_PATH',
    default: '/workspace',
    doc: 'Where the volume is mounted in the pod',
    schema: text('expected an absolute path of letters, digits, dots, dashes, underscores and slashes', /^\/[A-Za-z0-9._/-]*$/),
  }),
  IMAGE_NAME: spec({
    name: 'IMAGE_NAME',
    default: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
    doc: 'Container image: a RunPod PyTorch image with Python 3.10 or 3.11',
    schema: text(
      'expected a container image reference such as runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
      /^[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$/,
    ),
  }),
  POD_READY_TIMEOUT_MINUTES: spec({
    name: 'POD_READY_TIMEOUT_MINUTES',
    default: '15',
    doc: 'How long to wait for RunPod to map the pod’s ports after a deploy or resume',
    schema: num(0.01, 120),
  }),
  RUNPOD_POLL_SECONDS: spec({
    name: 'RUNPOD_POLL_SECONDS',
    default: '3',
    doc: 'Interval between RunPod reads while waiting for a pod',
    schema: num(0.01, 60),
  }),
  // ---- The bot itself
  DATABASE_PATH: spec({
    name: 'DATABASE_PATH',
    default: './data/monai-pod-bot.sqlite',
    doc: 'SQLite file for the bot’s state (operations, audit, samples, host keys)',
    schema: z.string().min(1),
  }),
  LOG_LEVEL: spec({
    name: 'LOG_LEVEL',
    default: 'info',
    doc: 'error, warn, info or debug',
    schema: z.enum(['error', 'warn', 'info', 'debug'], { message: 'expected error, warn, info or debug' }),
  }),
  LOG_FORMAT: spec({
    name: 'LOG_FORMAT',
    default: 'auto',
    doc: 'json, pretty, or auto (pretty in a terminal, JSON otherwise)',
    schema: z.enum(['auto', 'json', 'pretty'], { message: 'expected auto, json or pretty' }),
  }),
} satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;
export type VariableValue<N extends VariableName> = z.output<(typeof VARIABLES)[N]['schema']>;

export { list, slackId, int, num, url, text };
