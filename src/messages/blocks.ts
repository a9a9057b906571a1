import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

/** A message for any front end: Block Kit for Slack, plus the text the console and notifications show. */
export interface Message {
  text: string;
  blocks: Block[];
}

export interface ButtonSpec {
  label: string;
  /** The /monai command the button runs for whoever clicks it, e.g. "keep 1h". */
  command: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny?: string };
}

export const ACTION_PREFIX = 'monai:';

// Slack's limits: section text 3000, button text 75, confirm text 300 characters.
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } };
}

export function context(...texts: string[]): Block {
  return { type: 'context', elements: texts.slice(0, 10).map((text) => ({ type: 'mrkdwn' as const, text: clip(text, 3000) })) };
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, 150), emoji: true } };
}

export function divider(): Block {
  return { type: 'divider' };
}

export function actions(buttons: readonly ButtonSpec[], blockId?: string): Block {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: buttons.map((button, index) => ({
      type: 'button' as const,
      action_id: `${ACTION_PREFIX}${index}:${button.command.split(' ')[0]}`,
      text: { type: 'plain_text' as const, text: clip(button.label, 75), emoji: true },
      value: JSON.stringify({ command: button.command }),
      ...(button.style ? { style: button.style } : {}),
      ...(button.confirm
        ? {
            confirm: {
              title: { type: 'plain_text' as const, text: clip(button.confirm.title, 100) },
              text: { type: 'mrkdwn' as const, text: clip(button.confirm.text, 300) },
              confirm: { type: 'plain_text' as const, text: clip(button.confirm.confirm, 30) },
              deny: { type: 'plain_text' as const, text: clip(button.confirm.deny ?? 'Cancel', 30) },
              ...(button.style === 'danger' ? { style: 'danger' as const } : {}),
            },
          }
        : {}),
    })),
  };
}

export const CONTEXT_MARK = '  · ';

/** A plain-text rendering of blocks, for the console and for logs. Context lines start with CONTEXT_MARK. */
export function blocksToText(blocks: readonly Block[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    if (block.type === 'section' && block.text) lines.push(block.text.text);
    if (block.type === 'section' && block.fields) lines.push(block.fields.map((field) => field.text).join('   '));
    if (block.type === 'header') lines.push(block.text.text.toUpperCase());
    if (block.type === 'divider') lines.push('—'.repeat(20));
    if (block.type === 'context') {
      lines.push(CONTEXT_MARK + block.elements.map((element) => ('text' in element ? element.text : '')).join('  ·  '));
    }
    if (block.type === 'actions') {
      for (const element of block.elements) {
        if (element.type !== 'button') continue;
        const command = (JSON.parse(element.value ?? '{}') as { command?: string }).command;
        const warning = element.confirm?.text && 'text' in element.confirm.text ? ` (${element.confirm.text.text})` : '';
        lines.push(`  [${element.text.text}] → type: /monai ${command ?? ''}${warning}`);
      }
    }
  }
  return lines.join('\n');
}

export { codeBlock, escapeSlack } from '../util/format.js';
