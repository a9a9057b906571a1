import type { StatusView } from '../pod/status.js';
import { formatDuration, formatMoney } from '../util/format.js';
import { actions, context, escapeSlack, section, type Block, type Message } from './blocks.js';
import { localTime } from './costs.js';
import { mention, podLine, stoppedStorageLine } from './lifecycle.js';

function headline(status: StatusView): string {
  const name = `*${status.podName}*`;
  switch (status.state) {
    case 'absent':
      if (status.operation?.kind === 'start') return `🟡 ${name} is starting: the bot is deploying it; it bills from the moment RunPod creates it.`;
      return status.namesakes.length > 0 || status.unconfirmedDeploySentAt !== null
        ? `⚪ The bot has no pod named ${name} of its own.`
        : `⚪ There is no pod named ${name}. Nothing is billing for it; \`/monai start\` deploys one.`;
    case 'ready':
      return `🟢 ${name} is running${status.uptimeSeconds !== null ? ` (up ${formatDuration(status.uptimeSeconds * 1000)})` : ''} and billing ${formatMoney(status.pod?.costPerHr ?? 0)}/hr.`;
    case 'initializing':
      return `🟡 ${name} is starting: RunPod is pulling the image and starting the container (no runtime yet). It bills ${formatMoney(status.pod?.costPerHr ?? 0)}/hr already.`;
    case 'mapping-ports':
      return `🟡 ${name} is running but RunPod has not mapped its ports yet. It bills ${formatMoney(status.pod?.costPerHr ?? 0)}/hr.`;
    case 'error':
      return `🔴 ${name} is in ERROR on RunPod: its container could not run. \`/monai start\` tries again; an admin can terminate it.`;
    case 'stopped':
      return `⏹️ ${name} is stopped. ${stoppedStorageLine(status.pod?.volumeGb ?? 0)}`;
    default:
      return `❔ ${name} reports the state ${escapeSlack(status.pod?.status ?? 'unknown')}.`;
  }
}

export function statusMessage(status: StatusView, now: number, zone: string): Message {
  const lines = [headline(status)];
  if (status.apiUrl) lines.push(`*API URL:* \`${status.apiUrl}\``);
  if (status.idle?.keptUntil && status.idle.keptUntil > now) {
    lines.push(`✋ Kept until ${localTime(status.idle.keptUntil, zone)} by ${mention(status.idle.keptBy ?? 'someone')}: no idle stop before then.`);
  } else if (status.idle?.idleMinutes) {
    lines.push(`💤 No activity for ${formatDuration(status.idle.idleMinutes * 60_000)}.`);
  }
  if (status.state === 'stopped' && status.lastStatusChange) lines.push(`RunPod: “${escapeSlack(status.lastStatusChange)}”`);
  if (status.runpodLog && status.runpodLog.length > 0) lines.push(`RunPod’s log:\n\`\`\`${escapeSlack(status.runpodLog.join('\n')).replaceAll('```', "'''").slice(-1500)}\`\`\``);
  for (const other of status.namesakes) {
    const billing = other.status === 'RUNNING' ? `running and billing ${formatMoney(other.costPerHr)}/hr` : `${escapeSlack(other.status.toLowerCase())}, its ${other.volumeGb} GB volume billing storage`;
    const whose = other.foreign ? ' This bot did not deploy it: it is reported, never configured (an admin can `/monai adopt` it after checking whose it is).' : '';
    lines.push(`⚠️ Also named ${status.podName}: pod \`${escapeSlack(other.id)}\`, ${billing}.${whose} \`/monai stop\` stops every pod of this name.`);
  }
  if (status.unconfirmedDeploySentAt !== null) {
    lines.push(`⚠️ RunPod never confirmed a deploy sent at ${localTime(status.unconfirmedDeploySentAt, zone)}: a pod may still appear and bill. The bot is watching for it.`);
  }
  if (status.operation) {
    lines.push(`⏳ A ${status.operation.kind} is under way, requested by ${status.operation.requestedBy.map(mention).join(', ')}.`);
  }
  const blocks: Block[] = [section(lines.join('\n'))];
  if (!status.operation) {
    if (status.state === 'ready') blocks.push(actions([{ label: 'Stop', command: stopCommand(status), style: 'danger', confirm: stopConfirm(status) }]));
    if (status.state === 'stopped' || status.state === 'absent') blocks.push(actions([{ label: 'Start', command: 'start', style: 'primary' }]));
    if (status.state === 'error') {
      blocks.push(actions([{ label: 'Try starting it again', command: 'start', style: 'primary' }, { label: 'Terminate…', command: `terminate pod=${status.pod!.id}`, style: 'danger' }]));
    }
  }
  const facts = [status.pod ? podLine(status.pod) : null, `as of ${formatDuration(Math.max(0, now - status.asOf))} ago`];
  if (status.account) facts.push(`balance ${formatMoney(status.account.balance)}, account spend ${formatMoney(status.account.spendPerHr)}/hr`);
  blocks.push(context(facts.filter((fact): fact is string => !!fact).join(' · ')));
  const text = headline(status).replaceAll('*', '') + (status.apiUrl ? ` ${status.apiUrl}` : '');
  return { text, blocks };
}

/** A Stop button names the pod it was shown for. */
export function stopCommand(status: Pick<StatusView, 'pod'>): string {
  return status.pod ? `stop pod=${status.pod.id}` : 'stop';
}

export function stopConfirm(status: Pick<StatusView, 'podName' | 'pod'>) {
  const volume = status.pod?.volumeGb ?? 0;
  return {
    title: 'Stop the pod?',
    text: `MONAI Label goes offline for everyone using ${status.podName}. The ${volume} GB volume and its data are kept.`,
    confirm: 'Stop',
  };
}
