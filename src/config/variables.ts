import type { z } from 'zod';
import type { VariableSpec } from './spec.js';
import { ACCESS_VARIABLES } from './vars-access.js';
import { BOT_VARIABLES } from './vars-bot.js';
import { COST_VARIABLES } from './vars-costs.js';
import { MONAI_VARIABLES } from './vars-monai.js';
import { RUNPOD_VARIABLES } from './vars-runpod.js';
import { SLACK_VARIABLES } from './vars-slack.js';

/**
 * Every environment variable the bot reads, with its default and a one-line description.
 * `.env.example` is checked against this list by a test, so the two cannot drift apart.
 */
export const VARIABLES = {
  ...SLACK_VARIABLES,
  ...RUNPOD_VARIABLES,
  ...MONAI_VARIABLES,
  ...COST_VARIABLES,
  ...ACCESS_VARIABLES,
  ...BOT_VARIABLES,
} satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;
export type VariableValue<N extends VariableName> = z.output<(typeof VARIABLES)[N]['schema']>;
export type { VariableSpec };
