import { parseArgs } from 'node:util';

/** What the command line asks for. */
export type Invocation =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; check: boolean; dotenv: string | undefined }
  | { kind: 'usage-error'; message: string };

export const USAGE = `Usage: node dist/main.js [options]     (npm start -- [options], npm run check -- [options])

Starts monai-pod-bot: the Slack bot when SLACK_BOT_TOKEN is set, otherwise the local console.
Settings come from ./.env and the environment (the environment wins); .env.example in the
repository lists every variable, and npm run check says what is wrong with them.

Options:
  --check          check every setting and link (Slack, RunPod, SSH key, DICOMweb, database,
                   log file), print one line each with the fix, exit 1 on any failure
  --dotenv PATH    read the settings from PATH instead of ./.env (also --dotenv=PATH)
  -v, --version    print the version and exit
  -h, --help       print this help and exit

Exit codes: 0 done, 1 failed (a restart may help), 64 wrong command line, 78 a setting to fix.`;

/**
 * Reads argv strictly: an unknown flag, a stray word or a --dotenv without its path is an error,
 * never ignored (ignored, the bot would start with settings nobody chose).
 */
export function parseInvocation(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        check: { type: 'boolean' },
        dotenv: { type: 'string' },
      },
    });
  } catch (error) {
    return { kind: 'usage-error', message: usageProblem(error, argv) };
  }
  const { values } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values.dotenv !== undefined && values.dotenv.trim() === '') return { kind: 'usage-error', message: '--dotenv needs the path of a settings file, e.g. --dotenv lab.env' };
  return { kind: 'run', check: values.check === true, dotenv: values.dotenv };
}

/** Node's parseArgs messages, reworded to name the flag and what to do. */
function usageProblem(error: unknown, argv: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /dotenv/.test(message)) {
    return '--dotenv needs the path of a settings file, e.g. --dotenv lab.env';
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? argv.find((arg) => arg.startsWith('-')) ?? '?';
    return `unknown option ${flag}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = /'([^']+)'/.exec(message)?.[1] ?? '?';
    return `unexpected argument “${word}” (settings go in .env, not on the command line)`;
  }
  return message;
}
