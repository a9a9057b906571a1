import { COMMANDS, type CommandName } from '../commands/catalog.js';
import type { BotError } from '../errors.js';
import { codeBlock, context, section, type Message } from './blocks.js';

export function errorMessage(error: BotError): Message {
  const lines = [`❌ ${error.message}`, `*What to do:* ${error.action}`];
  if (error.details) lines.push(codeBlock(error.details.slice(-2500)));
  return { text: `${error.message} ${error.action}`, blocks: [section(lines.join('\n'))] };
}

/**
 * The commands the caller may run; or, given the reason a command was not understood, that reason
 * (with its "did you mean") and one line pointing at the full help — not the whole list again.
 */
export function helpMessage(names: readonly CommandName[], intro?: string): Message {
  if (intro) {
    const hint = '`/monai help` lists every command.';
    return { text: `${intro} ${hint}`, blocks: [section(`${intro}\n${hint}`)] };
  }
  const allowed = COMMANDS.filter((command) => names.includes(command.name));
  const lines = allowed.map((command) => `• \`/monai ${command.usage}\` — ${command.summary}  _e.g._ \`${command.example}\``);
  const blocks = [
    section(`*What I can do*\n${lines.join('\n')}`),
    context('I run the lab’s MONAI Label server on a RunPod GPU pod. Replies like this one are visible only to you.'),
  ];
  return { text: `Commands: ${allowed.map((command) => command.usage).join(', ')}`, blocks };
}

export function noticeMessage(text: string): Message {
  return { text: text.replaceAll('*', ''), blocks: [section(text)] };
}

export function logMessage(log: string, lines: number): Message {
  // Slack caps a section at 3000 characters: keep the newest end of the log (escaping can lengthen it).
  const body = log.length > 2400 ? `…${log.slice(-2400)}` : log;
  return {
    text: `Last ${lines} lines of MONAI Label’s log`,
    blocks: [section(`*Last ${lines} lines of MONAI Label’s log*, then the gate’s (secrets redacted)`), section(codeBlock(body.trim() || '(empty)'))],
  };
}
