/** Slash-command text → a command, or the reason it was not understood. Pure; never throws. */
import { matchTopic } from '../knowledge/match.js';
import { escapeSlack } from '../messages/blocks.js';
import { parseModels } from '../monai/models.js';
import { editDistance } from '../util/edit-distance.js';
import { COMMANDS } from './catalog.js';

/**
 * `pod`: the pod a button was shown for (`pod=<id>` in its command). A button pressed after the
 * bot's pod changed is refused rather than applied to another pod.
 */
export type Command =
  | { kind: 'start'; newPod: boolean; models: string[] | null; confirmed?: boolean; pod?: string }
  | { kind: 'stop'; pod?: string }
  | { kind: 'status' }
  | { kind: 'help' }
  | { kind: 'restart' }
  | { kind: 'logs'; lines: number }
  | { kind: 'keep'; duration: '1h' | '4h' | 'tomorrow' }
  | { kind: 'costs' }
  | { kind: 'doctor' }
  | { kind: 'troubleshoot'; question: string }
  | { kind: 'history' }
  | { kind: 'terminate'; confirmed: boolean; pod?: string }
  | { kind: 'forget-host-key'; confirmed: boolean }
  | { kind: 'new-url'; confirmed: boolean; pod?: string }
  | { kind: 'adopt'; confirmed: boolean; pod?: string }
  | { kind: 'invalid'; reason: string };

export const MAX_COMMAND_LENGTH = 500;
export const DEFAULT_LOG_LINES = 30;
export const MAX_LOG_LINES = 200;

const ALIASES: Record<string, string> = {
  up: 'start',
  down: 'stop',
  '?': 'help',
  info: 'status',
  log: 'logs',
  cost: 'costs',
  check: 'doctor',
  why: 'troubleshoot',
  how: 'troubleshoot',
  ts: 'troubleshoot',
};

export function tokenize(text: string): string[] {
  return text
    .normalize('NFKC')
    .trim()
    .split(/\s+/)
    .filter((token) => token.length > 0);
}

function shown(text: string, max = 80): string {
  return escapeSlack(text.length > max ? `${text.slice(0, max)}…` : text);
}

const POD_ARGUMENT = /^pod=([a-z0-9]{4,40})$/;

/** Takes a `pod=<id>` argument out of `args`; `false` when one is there but malformed. */
function podArgument(args: string[]): { pod?: string; rest: string[] } | false {
  const found = args.filter((arg) => arg.startsWith('pod='));
  if (found.length === 0) return { rest: args };
  const match = found.length === 1 ? POD_ARGUMENT.exec(found[0]!) : null;
  if (!match) return false;
  return { pod: match[1]!, rest: args.filter((arg) => arg !== found[0]) };
}

const BAD_POD = 'That is not a pod id the bot knows how to read.';

function parseStart(all: string[]): Command {
  const bound = podArgument(all);
  if (!bound) return { kind: 'invalid', reason: BAD_POD };
  const args = bound.rest;
  const newPod = args.includes('new-pod');
  const confirmed = newPod && args.includes('confirmed');
  const rest = args.filter((arg) => arg !== 'new-pod' && !(newPod && arg === 'confirmed'));
  const base = { kind: 'start' as const, newPod, ...(confirmed ? { confirmed } : {}), ...(bound.pod ? { pod: bound.pod } : {}) };
  if (rest.length === 0) return { ...base, models: null };
  // Models may be typed with spaces after the commas: "deepgrow_2d, deepgrow_3d".
  const choice = parseModels(rest.join(''));
  if (!choice.ok) return { kind: 'invalid', reason: escapeSlack(choice.reason) };
  return { ...base, models: choice.models };
}

/** Destructive commands take an optional "confirmed", honoured only from a button or the console. */
function parseConfirmable(verb: 'terminate' | 'forget-host-key' | 'new-url' | 'adopt', all: string[]): Command {
  const bound = verb === 'forget-host-key' ? { rest: all } : podArgument(all);
  if (!bound) return { kind: 'invalid', reason: BAD_POD };
  const args = bound.rest;
  const pod = 'pod' in bound && bound.pod ? { pod: bound.pod } : {};
  if (args.length === 0) return { kind: verb, confirmed: false, ...pod };
  if (args.length === 1 && args[0] === 'confirmed') return { kind: verb, confirmed: true, ...pod };
  return { kind: 'invalid', reason: `\`${verb}\` takes no arguments.` };
}

function parseStop(all: string[]): Command {
  const bound = podArgument(all);
  if (!bound) return { kind: 'invalid', reason: BAD_POD };
  if (bound.rest.length > 0) return { kind: 'invalid', reason: '`stop` takes no arguments.' };
  return { kind: 'stop', ...(bound.pod ? { pod: bound.pod } : {}) };
}

function parseLogs(args: string[]): Command {
  if (args.length === 0) return { kind: 'logs', lines: DEFAULT_LOG_LINES };
  const [count, ...extra] = args;
  if (extra.length > 0 || !/^\d{1,4}$/.test(count ?? '')) {
    return { kind: 'invalid', reason: `\`logs\` takes one number of lines (1–${MAX_LOG_LINES}), not “${shown(args.join(' '))}”.` };
  }
  const lines = Number(count);
  if (lines < 1 || lines > MAX_LOG_LINES) return { kind: 'invalid', reason: `\`logs\` shows 1 to ${MAX_LOG_LINES} lines.` };
  return { kind: 'logs', lines };
}

const KEEP: Record<string, '1h' | '4h' | 'tomorrow'> = { '1h': '1h', '1': '1h', '4h': '4h', '4': '4h', tomorrow: 'tomorrow' };

function parseKeep(args: string[]): Command {
  if (args.length === 0) return { kind: 'keep', duration: '1h' };
  const duration = args.length === 1 ? KEEP[args[0]!] : undefined;
  return duration ? { kind: 'keep', duration } : { kind: 'invalid', reason: '`keep` takes `1h`, `4h` or `tomorrow`.' };
}

/**
 * What an unknown first word most likely meant: a command one or two keystrokes away ("stpo" →
 * stop), or, for words that read as a question, the troubleshooting answer. Null when nothing fits.
 */
function closestCommand(word: string, text: string): string | null {
  const typed = word.toLowerCase();
  const names = [...COMMANDS.map((command) => command.name), ...Object.keys(ALIASES).filter((alias) => alias.length > 2)];
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const distance = name.startsWith(typed) && typed.length >= 3 ? 0.5 : editDistance(typed, name);
    if (distance < bestDistance) [best, bestDistance] = [ALIASES[name] ?? name, distance];
  }
  if (best && bestDistance <= (typed.length <= 4 ? 1 : 2)) return `/monai ${best}`;
  return matchTopic(text) ? `/monai troubleshoot ${shown(text, 60)}` : null;
}

export function parseCommand(raw: string): Command {
  if (raw.length > MAX_COMMAND_LENGTH) return { kind: 'invalid', reason: `That is ${raw.length} characters; commands are short.` };
  const [first, ...rest] = tokenize(raw);
  if (!first) return { kind: 'help' };
  const verb = ALIASES[first.toLowerCase()] ?? first.toLowerCase();
  // Free text: the question keeps its own words (the matcher normalises them).
  if (verb === 'troubleshoot') return { kind: 'troubleshoot', question: rest.join(' ') };
  const args = rest.map((token) => token.toLowerCase());
  switch (verb) {
    case 'start':
      return parseStart(args);
    case 'logs':
      return parseLogs(args);
    case 'keep':
      return parseKeep(args);
    case 'terminate':
    case 'forget-host-key':
    case 'new-url':
    case 'adopt':
      return parseConfirmable(verb, args);
    case 'stop':
      return parseStop(args);
    case 'status':
    case 'help':
    case 'restart':
    case 'costs':
    case 'doctor':
    case 'history':
      return args.length === 0 ? { kind: verb } : { kind: 'invalid', reason: `\`${verb}\` takes no arguments.` };
    default: {
      const guess = closestCommand(first, raw.trim());
      return { kind: 'invalid', reason: `“${shown(first, 40)}” is not a /monai command.${guess ? ` Did you mean \`${guess}\`?` : ''}` };
    }
  }
}
