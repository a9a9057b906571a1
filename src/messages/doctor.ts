import type { CheckResult, CheckStatus } from '../doctor/doctor.js';
import { context, section, type Message } from './blocks.js';

const ICON: Record<CheckStatus, string> = { pending: '⏳', pass: '✅', warn: '⚠️', fail: '❌', skip: '▫️' };

/** One line per check in order, its fix under a failure; the first failure is named in the text. */
export function doctorMessage(results: readonly CheckResult[], done: boolean): Message {
  const lines = results.map((result) => {
    const detail = result.status === 'skip' && !result.detail ? 'not checked' : result.detail || (result.status === 'pending' ? '' : '');
    const head = `${ICON[result.status]} *${result.label}*${detail ? ` — ${detail}` : ''}`;
    return result.fix && (result.status === 'fail' || result.status === 'warn') ? `${head}\n      ↳ *Fix:* ${result.fix}` : head;
  });
  const failed = results.find((result) => result.status === 'fail');
  const title = !done ? '🩺 *Checking the chain, link by link…*' : failed ? `🩺 *Broken link: ${failed.label}*` : '🩺 *Every link works*';
  return {
    text: `${title.replaceAll('*', '')}${failed && done ? ` — ${failed.detail}` : ''}`,
    blocks: [section([title, ...lines].join('\n')), ...(done ? [context('`/monai troubleshoot <question>` answers the usual problems, with links.')] : [])],
  };
}
