import { z } from 'zod';
import { spec } from './spec.js';

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
};
