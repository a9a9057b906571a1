import { stoppedStoragePerMonth } from '../costs/math.js';
import { STORAGE_PRICES } from '../runpod/pricing.js';
import { stillBillingSentence } from '../pod/billing.js';
import type { Condition, OperationView, PodSummary } from '../pod/operation.js';
import { formatDuration, formatMoney, mention } from '../util/format.js';
import { actions, codeBlock, context, escapeSlack, section, type Block, type ButtonSpec, type Message } from './blocks.js';
import { readyBlocks } from './monai.js';

const VERB: Record<OperationView['kind'], [running: string, done: string, failed: string]> = {
  start: ['Starting', 'is ready', 'Could not start'],
  restart: ['Restarting MONAI Label on', 'is ready again', 'Could not restart MONAI Label on'],
  stop: ['Stopping', 'stopped', 'Could not confirm the stop of'],
  terminate: ['Terminating', 'terminated', 'Could not terminate'],
};

export { mention } from '../util/format.js';

function people(users: readonly string[]): string {
  return users.map(mention).join(', ');
}

export function podLine(pod: PodSummary): string {
  const gpu = pod.gpu ? `${pod.gpuCount > 1 ? `${pod.gpuCount}× ` : ''}${escapeSlack(pod.gpu)}` : 'GPU pending';
  return `Pod \`${escapeSlack(pod.id)}\` · ${gpu} · ${formatMoney(pod.costPerHr)}/hr · ${pod.volumeGb} GB volume · ${escapeSlack(pod.status.toLowerCase())}`;
}

function icon(condition: Condition, phase: OperationView['phase']): string {
  if (condition.status === 'True') return '✅';
  if (phase === 'failed') return '❌';
  if (phase === 'cancelled') return '⏹️';
  return condition.status === 'Unknown' ? '❔' : '⏳';
}

export function stoppedStorageLine(volumeGb: number): string {
  return `Its ${volumeGb} GB volume is kept and still bills about ${formatMoney(stoppedStoragePerMonth(volumeGb))}/month while stopped (${formatMoney(STORAGE_PRICES.volumeStoppedPerGbMonth)}/GB/month).`;
}

function outcome(view: OperationView): string[] {
  const lines: string[] = [];
  const result = view.result;
  if (view.phase === 'succeeded' && result) {
    if (result.note) lines.push(result.note);
    if (result.reused && view.kind === 'start') lines.push('It was already running; nothing had to change.');
    if (result.apiUrl && !result.models) lines.push(`*API URL:* \`${result.apiUrl}\``);
    if (result.stoppedVolumesGb && result.stoppedVolumesGb.length > 0) {
      const total = result.stoppedVolumesGb.reduce((sum, gb) => sum + gb, 0);
      lines.push(`Compute billing has stopped. ${stoppedStorageLine(total)}`);
      lines.push('`/monai start` resumes it; the URL keeps its secret path but gets a new port.');
    }
  }
  if (view.error) {
    lines.push(view.error.message, `*What to do:* ${view.error.action}`);
    if (stillBilling(view) && !/billing/.test(view.error.message)) lines.push(`⚠️ ${stillBillingSentence(view.pod!.costPerHr)}`);
    if (view.error.details) lines.push(codeBlock(view.error.details.slice(-2500)));
  }
  return lines;
}

/** A start that failed after the pod came up leaves it running: that must be said, every time. */
function stillBilling(view: OperationView): boolean {
  return (view.kind === 'start' || view.kind === 'restart') && view.phase !== 'succeeded' && view.pod?.status === 'RUNNING';
}

/** Buttons that follow from how an operation ended; each names the pod it was shown for. */
function followUps(view: OperationView): ButtonSpec[] {
  const bound = view.pod ? ` pod=${view.pod.id}` : '';
  if (view.error?.code === 'RUNPOD_HOST_FULL') {
    return [
      { label: 'Retry the resume', command: 'start' },
      {
        label: 'Deploy a new pod…',
        command: `start new-pod${bound} confirmed`,
        style: 'danger',
        confirm: {
          title: 'Deploy a new pod?',
          text: 'The new pod starts with an empty volume: MONAI Label is installed again and anything only on the old volume stays on the stopped pod, which keeps billing storage until an admin terminates it.',
          confirm: 'Deploy new pod',
        },
      },
    ];
  }
  if (view.error?.code === 'POD_ERROR') {
    return [
      { label: 'Try starting it again', command: 'start' },
      { label: 'Terminate…', command: `terminate${bound}`, style: 'danger' },
    ];
  }
  if (view.phase === 'failed' && stillBilling(view)) return [{ label: 'Stop the pod', command: `stop${bound}`, style: 'danger' }];
  return [];
}

export function operationMessage(view: OperationView, extra: Block[] = []): Message {
  const [running, done, failed] = VERB[view.kind];
  const title =
    view.phase === 'running'
      ? `⏳ *${running} ${view.podName}*`
      : view.phase === 'succeeded'
        ? view.result?.nothingToDo
          ? `⚪ *${view.podName}: nothing to stop*`
          : `${view.kind === 'stop' || view.kind === 'terminate' ? '⏹️' : '🟢'} *${view.podName} ${done}*`
        : view.phase === 'cancelled'
          ? `⏹️ *${running} ${view.podName} — replaced*`
          : `❌ *${failed} ${view.podName}*`;
  const steps = view.conditions.map((condition) => `${icon(condition, view.phase)} ${condition.message}`);
  if (view.note) steps.push(view.note);
  const blocks: Block[] = [section([title, ...steps].join('\n'))];
  const lines = outcome(view);
  if (lines.length > 0) blocks.push(section(lines.join('\n')));
  if (view.phase === 'succeeded' && view.result) blocks.push(...readyBlocks(view.result));
  blocks.push(...extra);
  const buttons = view.phase === 'running' ? [] : followUps(view);
  if (buttons.length > 0) blocks.push(actions(buttons));
  const took = view.finishedAt ? ` · took ${formatDuration(view.finishedAt - view.startedAt)}` : '';
  // A terminated pod's last reading still says how it ran: the footer says what became of it.
  const pod = view.pod && view.result?.terminated ? { ...view.pod, status: 'TERMINATED' } : view.pod;
  blocks.push(context(`${pod ? `${podLine(pod)} · ` : ''}requested by ${people(view.requestedBy)}${took}`));
  const text = `${title.replaceAll('*', '')}${view.result?.apiUrl ? ` — ${view.result.apiUrl}` : ''}${view.error ? ` — ${view.error.message}` : ''}`;
  return { text, blocks };
}
