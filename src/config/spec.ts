import { z } from 'zod';

/** One environment variable: its name, default, one-line description and how to parse it. */
export interface VariableSpec<T = unknown> {
  name: string;
  /** Text as it would appear in .env; undefined = no default (optional or required). */
  default?: string;
  doc: string;
  secret?: boolean;
  /** Parses the raw (trimmed, non-empty) text. */
  schema: z.ZodType<T>;
}

export const text = (expect: string, pattern: RegExp) => z.string().regex(pattern, { message: expect });
export const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));
export const num = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: `expected a number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `expected at least ${min}` }).max(max, { message: `expected at most ${max}` }));
export const url = (what: string) =>
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
export const list = <T>(item: z.ZodType<T, string>) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item));
export const slackId = (prefixes: string) =>
  z.string().regex(new RegExp(`^[${prefixes}][A-Z0-9]{2,}$`), {
    message: `expected Slack IDs starting with ${prefixes.split('').join(' or ')} (e.g. ${prefixes[0]}012AB3CD), comma-separated`,
  });

export const GPU_ID = /^(NVIDIA|AMD|Tesla) [A-Za-z0-9 .-]+$/;

export function spec<T>(value: VariableSpec<T>): VariableSpec<T> {
  return value;
}

