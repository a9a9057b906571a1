import { z } from 'zod';
import { int, spec } from './spec.js';

export const BOT_VARIABLES = {
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
  LOG_FILE: spec({
    name: 'LOG_FILE',
    doc: 'Optional: also write JSON log lines to this file, rotated by size; empty = stdout only',
    schema: z.string().min(1),
  }),
  LOG_FILE_MAX_MB: spec({
    name: 'LOG_FILE_MAX_MB',
    default: '10',
    doc: 'Size in MB at which LOG_FILE is rotated (bot.log → bot1.log, bot2.log, …)',
    schema: int(1, 1024),
  }),
  LOG_FILE_COUNT: spec({
    name: 'LOG_FILE_COUNT',
    default: '5',
    doc: 'How many log files are kept, the current one included',
    schema: int(1, 100),
  }),
  HEALTH_PORT: spec({
    name: 'HEALTH_PORT',
    doc: 'Serve GET /healthz on this port too (HTTP mode always serves it on PORT; Socket Mode needs this); empty = off',
    schema: int(1, 65535),
  }),
  STARTUP_CHECK: spec({
    name: 'STARTUP_CHECK',
    default: 'on',
    doc: 'on = run the configuration check (npm run check) briefly at start-up and log what fails; off = skip',
    schema: z.enum(['on', 'off'], { message: 'expected on or off' }),
  }),
};
