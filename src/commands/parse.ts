/** Slash-command text → a command, or the reason it was not understood. Pure; never throws. */
import { escapeSlack } from '../messages/blocks.js';
export type Command =
  | { kind: 'start'; newPod: boolean }
  | { kind: 'stop' }
  | { kind: 'status' }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: string };

export const MAX_COMMAND_LENGTH = 500;

const ALIASES: Record<string, string> = { up: 'start', down: 'stop', '?': 'help', info: 'status' };

export function tokenize(text: string): string[] {
  return text
    .normalize('NFKC')
    .trim()
    .split(/\s+/)
    .filter((token) => token.length > 0);
}

export function parseCommand(raw: string): Command {
  if (raw.length > MAX_COMMAND_LENGTH) return { kind: 'invalid', reason: `That is ${raw.length} characters; commands are short.` };
  const [first, ...rest] = tokenize(raw);
  if (!first) return { kind: 'help' };
  const verb = ALIASES[first.toLowerCase()] ?? first.toLowerCase();
  const args = rest.map((token) => token.toLowerCase());
  switch (verb) {
    case 'start': {
      const newPod = args.includes('new-pod');
      const unknown = args.filter((arg) => arg !== 'new-pod');
      if (unknown.length > 0) return { kind: 'invalid', reason: `\`start\` does not take “${escapeSlack(unknown.join(' ').slice(0, 80))}”.` };
      return { kind: 'start', newPod };
    }
    case 'stop':
    case 'status':
    case 'help':
      return args.length === 0 ? { kind: verb } : { kind: 'invalid', reason: `\`${verb}\` takes no arguments.` };
    default:
      return { kind: 'invalid', reason: `“${escapeSlack(first.slice(0, 40))}” is not a /monai command.` };
  }
}
