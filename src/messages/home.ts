import type { OperationRecord } from '../store/store.js';
import type { StatusView } from '../pod/status.js';
import { formatDuration, formatMoney } from '../util/format.js';
import { actions, context, divider, escapeSlack, header, section, type Block } from './blocks.js';
import { localTime } from './costs.js';
import { mention } from './lifecycle.js';
import { stopCommand, stopConfirm } from './status.js';

const STATE: Record<StatusView['state'], string> = {
  absent: '⚪ No pod',
  ready: '🟢 Running',
  initializing: '🟡 Starting (no runtime yet)',
  'mapping-ports': '🟡 Starting (ports not mapped yet)',
  stopped: '⏹️ Stopped',
  error: '🔴 In ERROR on RunPod',
  other: '❔ Unknown',
};

const PHASE: Record<string, string> = { succeeded: '✅', failed: '❌', cancelled: '⏹️', running: '⏳' };

/**
 * The App Home tab: the pod at a glance, Start/Stop, and who did what lately. Pure. Slack shows it
 * to anyone in the workspace who opens the app: someone the bot refuses (`refusal`, why) sees the
 * pod's state only — no URL, no buttons, no history — and whom to ask.
 */
export function homeView(status: StatusView, history: readonly OperationRecord[], now: number, zone: string, refusal: string | null = null): { type: 'home'; blocks: Block[] } {
  if (refusal !== null) {
    return {
      type: 'home',
      blocks: [header(`MONAI Label pod: ${status.podName}`), section(`*State:* ${STATE[status.state]}`), context(`🔒 ${refusal}`), context(`As of ${localTime(now, zone)}`)],
    };
  }
  const facts = [`*State:* ${STATE[status.state]}`];
  if (status.pod) facts.push(`*GPU:* ${escapeSlack(status.pod.gpu ?? '—')} · *${formatMoney(status.pod.costPerHr)}/hr* while running · ${status.pod.volumeGb} GB volume`);
  if (status.apiUrl) facts.push(`*URL for 3D Slicer:* \`${status.apiUrl}\``);
  if (status.idle?.keptUntil && status.idle.keptUntil > now) facts.push(`*Kept* until ${localTime(status.idle.keptUntil, zone)} by ${mention(status.idle.keptBy ?? 'someone')}`);
  else if (status.idle?.idleMinutes) facts.push(`*Idle for* ${formatDuration(status.idle.idleMinutes * 60_000)}`);
  if (status.stoppedStoragePerMonth !== null) facts.push(`Stopped, its volume costs ${formatMoney(status.stoppedStoragePerMonth)}/month.`);
  if (status.operation) facts.push(`⏳ A ${status.operation.kind} is under way, requested by ${status.operation.requestedBy.map(mention).join(', ')}.`);
  const buttons =
    status.operation !== null
      ? []
      : status.state === 'ready' || status.state === 'initializing' || status.state === 'mapping-ports'
        ? [{ label: 'Stop the pod', command: stopCommand(status), style: 'danger' as const, confirm: stopConfirm(status) }]
        : [{ label: 'Start the pod', command: 'start', style: 'primary' as const }];
  const recent = history.slice(0, 8).map((record) => {
    const when = localTime(record.createdAt, zone);
    const by = record.view.requestedBy.map(mention).join(', ');
    return `${PHASE[record.status] ?? '•'} ${when} · ${record.kind} by ${by}${record.view.error ? ` — ${record.view.error.message.slice(0, 80).replace(/&[a-z]*$/, '')}` : ''}`;
  });
  return {
    type: 'home',
    blocks: [
      header(`MONAI Label pod: ${status.podName}`),
      section(facts.join('\n')),
      ...(buttons.length > 0 ? [actions(buttons)] : []),
      divider(),
      section(`*Recent actions*\n${recent.length > 0 ? recent.join('\n') : 'Nothing yet.'}`),
      context(`As of ${localTime(now, zone)} · \`/monai help\` lists the commands · \`/monai doctor\` checks every link`),
    ],
  };
}
