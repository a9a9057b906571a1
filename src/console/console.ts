import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { CommandRouter } from '../commands/router.js';
import type { MessageRef, Surface } from '../frontend/surface.js';
import { blocksToText, CONTEXT_MARK, type Message } from '../messages/blocks.js';
import type { Redactor } from '../redact.js';

export const CONSOLE_USER = 'console';
export const CONSOLE_CHANNEL = 'console';

/** Slack mrkdwn → plain text for a terminal. */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)(\|[^>]*)?>/g, '#$1')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1$2')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

export function renderPlain(message: Message): string {
  return mrkdwnToPlain(message.blocks.length > 0 ? blocksToText(message.blocks) : message.text);
}

/**
 * The console as a Surface: a posted message is printed; an edit prints only the lines that
 * are new, so progress reads as a log.
 */
export class ConsoleSurface implements Surface {
  private readonly printed = new Map<string, Set<string>>();
  private next = 1;

  constructor(
    private readonly out: Writable,
    private readonly redactor: Redactor,
  ) {}

  private print(lines: string[], prefix: string): void {
    for (const line of lines) this.out.write(`${prefix}${line}\n`);
  }

  private lines(message: Message, withContext: boolean): string[] {
    return this.redactor
      .redact(renderPlain(message))
      .split('\n')
      .filter((line) => withContext || !line.startsWith(CONTEXT_MARK));
  }

  async post(channel: string, message: Message, options?: { live?: boolean }): Promise<MessageRef> {
    const ts = String(this.next++);
    // A live message's footer changes as it goes: it is printed once, with the final edit.
    const lines = this.lines(message, !options?.live);
    this.printed.set(ts, new Set(lines));
    this.print(lines, '');
    return { channel, ts };
  }

  async update(ref: MessageRef, message: Message, options?: { final?: boolean }): Promise<void> {
    const seen = this.printed.get(ref.ts) ?? new Set<string>();
    this.printed.set(ref.ts, seen);
    const fresh = this.lines(message, options?.final === true).filter((line) => !seen.has(line));
    for (const line of fresh) seen.add(line);
    this.print(fresh, '');
  }

  async ephemeral(_channel: string, _user: string, message: Message): Promise<void> {
    this.print(this.lines(message, true), '');
  }
}

export interface ConsoleOptions {
  input: Readable;
  surface: ConsoleSurface;
  output: Writable;
  router: CommandRouter;
  /** Interactive terminals get a prompt and run commands side by side; pipes run them in order. */
  interactive: boolean;
}

/** Reads commands until the end of input; resolves when everything it started has finished. */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const { surface } = options;
  const lines = createInterface({ input: options.input, terminal: false });
  const background: Promise<void>[] = [];
  const prompt = () => {
    if (options.interactive) options.output.write('monai> ');
  };
  prompt();
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === 'exit' || line === 'quit') break;
    if (line.length === 0 || line.startsWith('#')) {
      prompt();
      continue;
    }
    if (!options.interactive) options.output.write(`> ${line}\n`);
    const text = line.replace(/^\/monai\b/i, '').trim();
    const { work } = await options.router.handle({
      user: CONSOLE_USER,
      userName: CONSOLE_USER,
      origin: 'console',
      channel: CONSOLE_CHANNEL,
      text,
      surface,
      reply: (message) => surface.ephemeral(CONSOLE_CHANNEL, CONSOLE_USER, message),
    });
    if (options.interactive) background.push(work);
    else await work;
    prompt();
  }
  await Promise.all(background);
}
