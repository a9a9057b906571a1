import { DateTime } from 'luxon';
import type { DigestView, DigestWarning, RunningRow, StoppedRow } from '../costs/digest.js';
import type { KeepOutcome } from '../costs/guard.js';
import type { GuardNotice, IdleWarningFacts, WarningOutcome } from '../costs/ports.js';
import { HOUR } from '../costs/math.js';
import { formatDuration, formatHours, formatMoney, plural } from '../util/format.js';
import { stillBillingSentence } from '../pod/billing.js';
import { actions, context, escapeSlack, section, type Block, type ButtonSpec, type Message } from './blocks.js';

export function localTime(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toFormat('HH:mm');
}

function localDay(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toFormat('ccc d LLL, HH:mm');
}

function days(value: number): string {
  if (!Number.isFinite(value)) return 'indefinitely';
  return value < 2 ? `${(value * 24).toFixed(1)} hours` : `${value < 10 ? value.toFixed(1) : Math.round(value)} days`;
}

/** @mention someone, or name them without a notification (quiet hours). */
export function who(user: { id: string | null; name: string | null }, quiet: boolean): string {
  if (!user.id) return user.name ?? 'someone';
  if (quiet || !/^[UW][A-Z0-9]{2,}$/.test(user.id)) return user.name ?? user.id;
  return `<@${user.id}>`;
}

export type IdleWarningInput = IdleWarningFacts;

/** The answer to /monai keep. */
export function keptMessage(outcome: KeepOutcome, podName: string, zone: string): Message {
  if (outcome.kind === 'not-running') return { text: `${podName} is not running: there is nothing to keep.`, blocks: [section(`${podName} is not running: there is nothing to keep.`)] };
  const line = outcomeLine(podName, outcome, zone);
  return { text: line.replaceAll('*', ''), blocks: [section(line)] };
}

export const KEEP_BUTTONS: readonly ButtonSpec[] = [
  { label: 'Keep 1 h', command: 'keep 1h', style: 'primary' },
  { label: 'Keep 4 h', command: 'keep 4h' },
  { label: 'Keep until tomorrow', command: 'keep tomorrow' },
];

export function idleWarning(input: IdleWarningInput): Message {
  const { state, now, zone } = input;
  const idleMs = Math.max(0, now - state.idleSince);
  const since = state.lastActivityAt !== null ? `since ${localTime(state.lastActivityAt, zone)} (${state.lastActivity})` : `since ${localTime(state.idleSince, zone)}`;
  const what = input.notAnswering
    ? `MONAI Label does not answer, so nobody can be using it: ${formatDuration(idleMs)} idle. GPU under ${input.gpuPercent}% in all ${plural(state.idleSamples, 'sample')}.`
    : `No MONAI Label activity (inference, label saved, Next Sample) ${since}: ${formatDuration(idleMs)} idle. No training. GPU under ${input.gpuPercent}% in all ${plural(state.idleSamples, 'sample')}.`;
  const lines = [
    `💤 *${escapeSlack(input.podName)} looks idle* — ${who(input.owner, input.quiet)}`,
    what,
    `It costs ${formatMoney(input.costPerHr)}/hr while it runs (≈ ${formatMoney((idleMs / HOUR) * input.costPerHr)} for this idle time). Stopped, its ${input.volumeGb} GB volume costs ${formatMoney(input.storagePerMonth)}/month.`,
    input.autostop === 'stop' && state.stopAt !== null
      ? `⏱️ It will be stopped at *${localTime(state.stopAt, zone)}* (in ${formatDuration(state.stopAt - now)}) unless someone keeps it or uses it.`
      : 'Nothing is stopped automatically here (AUTOSTOP=warn): stop it if nobody needs it.',
  ];
  const buttons: ButtonSpec[] = [
    ...KEEP_BUTTONS,
    {
      label: 'Stop now…',
      command: `stop pod=${state.podId}`,
      style: 'danger',
      confirm: { title: 'Stop the pod now?', text: `MONAI Label goes offline. The ${input.volumeGb} GB volume and its data are kept.`, confirm: 'Stop' },
    },
  ];
  return { text: `${escapeSlack(input.podName)} looks idle (${formatDuration(idleMs)}); ${input.autostop === 'stop' ? 'it will be stopped soon' : 'consider stopping it'}.`, blocks: [section(lines.join('\n')), actions(buttons)] };
}

/** The warning message after the fact: the buttons go, one line says what happened. */
export function warningOutcome(podName: string, outcome: string): Message {
  return { text: `${podName}: ${outcome.replaceAll('*', '')}`, blocks: [section(`💤 *${escapeSlack(podName)} looked idle*\n${outcome}`)] };
}

/** The one line that says how an idle warning ended. */
export function outcomeLine(podName: string, outcome: WarningOutcome, zone: string): string {
  switch (outcome.kind) {
    case 'activity':
      return `✅ Activity at ${localTime(outcome.at, zone)} (${outcome.activity}): not stopping.`;
    case 'kept':
      return `✋ Kept until ${localTime(outcome.until, zone)} by ${who({ id: outcome.by, name: null }, false)}: no idle warning or stop before then.`;
    case 'stopped':
      return `⏹️ Stopped at ${localTime(outcome.at, zone)} after ${formatDuration(outcome.idleMs)} idle. Compute billing (${formatMoney(outcome.costPerHr)}/hr) has ended; the ${outcome.volumeGb} GB volume is kept and costs ${formatMoney(outcome.storagePerMonth)}/month while stopped. \`/monai start\` resumes it.`;
    case 'stop-failed':
      return `⚠️ Tried to stop it at ${localTime(outcome.at, zone)}, but RunPod did not confirm (${outcome.reason}). ${stillBillingSentence(outcome.costPerHr, 'may be')} Trying again every ${formatDuration(outcome.retryMs)}; \`/monai stop\` tries now.${outcome.escalate ? ' <!here>' : ''}`;
  }
}

/** What the guard tells the channel outside a warning. */
export function guardNoticeText(notice: GuardNotice, zone: string): string {
  switch (notice.kind) {
    case 'monai-down':
      return [
        `⚠️ *${escapeSlack(notice.podName)}* is running and billing ${formatMoney(notice.costPerHr)}/hr, but ${notice.reason} (since ${localTime(notice.since, zone)}). Started by ${who(notice.owner, notice.quiet)}.`,
        notice.restarting
          ? 'The bot restarts MONAI Label once now. If it still does not answer, the pod counts as idle: a warning with keep buttons, then the stop.'
          : 'The pod counts as idle while it does not answer: a warning with keep buttons, then the stop. `/monai restart` tries MONAI Label again; `/monai stop` stops the pod.',
      ].join('\n');
    case 'monai-restart-failed':
      return `❌ The restart did not bring MONAI Label on *${escapeSlack(notice.podName)}* back: ${notice.reason} From now on the pod counts as idle: a warning with keep buttons, then the stop.`;
    case 'monai-back':
      return `✅ MONAI Label on *${escapeSlack(notice.podName)}* answers again (it did not for ${formatDuration(notice.downMs)}).`;
    case 'late-deploy':
      return `🔎 RunPod never confirmed the deploy sent at ${localTime(notice.sentAt, zone)}, but its pod has now appeared: \`${notice.podId}\`, running and billing ${formatMoney(notice.costPerHr)}/hr. It is now the bot’s pod: the idle guard watches it, \`/monai start\` sets it up, \`/monai stop\` stops it.`;
  }
}

function runningLine(row: RunningRow, zone: string, quiet: boolean): string {
  const parts = [
    `*${escapeSlack(row.name)}* — ${escapeSlack(row.gpu)} · ${formatMoney(row.costPerHr)}/hr`,
    `up ${formatHours(row.hoursUp24)} in 24 h ≈ ${formatMoney(row.spend24)}`,
    row.downNowHours !== null || row.downHours24 > 0
      ? `MONAI Label not answering ${formatHours(row.downHours24)} ≈ ${formatMoney(row.downCost24)}`
      : `idle ${formatHours(row.idleHours24)} ≈ ${formatMoney(row.idleCost24)}`,
    row.startedBy ? `started by ${who({ id: row.startedBy, name: null }, quiet)}` : 'not started through the bot',
  ];
  if (row.keptBy && row.keptUntil) parts.push(`kept by ${who({ id: row.keptBy, name: null }, quiet)} until ${localTime(row.keptUntil, zone)}`);
  return `• ${parts.join(' · ')}`;
}

function stoppedLine(row: StoppedRow): string {
  const stopped = row.daysStopped === null ? 'stopped (since when unknown)' : `stopped ${days(row.daysStopped)}`;
  const storage = row.networkVolume ? 'network volume (billed separately)' : `${row.volumeGb} GB volume · ${formatMoney(row.storagePerMonth)}/month`;
  return `• *${escapeSlack(row.name)}* — ${storage} · ${stopped}`;
}

function warningLine(warning: DigestWarning): string {
  switch (warning.kind) {
    case 'not-answering':
      return `⚠️ *${escapeSlack(warning.row.name)}* is running but MONAI Label does not answer${warning.row.downNowHours !== null ? ` (for ${formatHours(warning.row.downNowHours)})` : ''}: ${formatHours(warning.row.downHours24)} ≈ ${formatMoney(warning.row.downCost24)} in 24 h at ${formatMoney(warning.row.costPerHr)}/hr for nothing. \`/monai restart\` or \`/monai stop\`.`;
    case 'idle':
      return `⚠️ *${escapeSlack(warning.row.name)}* is running idle: ${formatHours(warning.row.idleNowHours || warning.row.idleHours24)} (≈ ${formatMoney(warning.row.idleCost24)} in 24 h at ${formatMoney(warning.row.costPerHr)}/hr). \`/monai stop\` if nobody needs it.`;
    case 'stale':
      return `⚠️ *${escapeSlack(warning.row.name)}* has been stopped ${days(warning.row.daysStopped ?? 0)}; its ${warning.row.volumeGb} GB volume still costs ${formatMoney(warning.row.storagePerMonth)}/month. Terminate it if nothing on it is needed (an admin can).`;
    case 'foreign':
      return `⚠️ Pod \`${escapeSlack(warning.podId)}\` is named *${escapeSlack(warning.name)}* but this bot did not deploy it (${escapeSlack(warning.status.toLowerCase())}${warning.status === 'RUNNING' ? `, ${formatMoney(warning.costPerHr)}/hr` : ''}): it is reported, never configured. An admin can \`/monai adopt\` it after checking whose it is.`;
    case 'runway': {
      const lost = warning.withoutNetworkVolume.length > 0 ? ` — that would be ${escapeSlack(warning.withoutNetworkVolume.join(', '))}` : '';
      const balance = warning.estimated ? `estimated from the last known balance, ≈ ${formatMoney(warning.balance)}` : formatMoney(warning.balance);
      return `🚨 The balance (${balance}) lasts about ${days(warning.days)} at the ${warning.basis}. At $0 RunPod stops every pod and *terminates pods without a network volume; their data cannot be recovered*${lost}. Add credit in RunPod → Billing.`;
    }
  }
}

/** "Balance $12.40" — or, when RunPod did not give it, what is known instead and how old it is. */
function balanceText(account: DigestView['account'], now: number): string {
  if (!account.unavailable) return `Balance ${formatMoney(account.balance ?? 0)}`;
  if (account.balance === null || account.balanceReadAt === null) return 'Balance unavailable from RunPod (none read yet)';
  return `Balance unavailable from RunPod; ≈ ${formatMoney(account.balance)} estimated from the last known balance, read ${formatDuration(Math.max(0, now - account.balanceReadAt))} ago, less the sampled spend since`;
}

function runwayText(account: DigestView['account']): string {
  if (account.runway === null) return 'runway unknown';
  const basis = account.runway.basis === 'current burn' && account.unavailable ? 'the pods’ current rates' : `the ${account.runway.basis}`;
  return `≈ ${days(account.runway.days)} at ${basis}`;
}

export function digestMessages(view: DigestView, zone: string, quiet: boolean): { summary: Message; details: Message } {
  const { account } = view;
  const head = `💰 *RunPod costs — ${localDay(view.at, zone)}* (estimates)`;
  const totals = [
    `Running: ${plural(view.running.length, 'pod')}, ${formatMoney(view.running.reduce((sum, row) => sum + row.costPerHr, 0))}/hr`,
    `Stopped: ${plural(view.stopped.length, 'pod')}, ${formatMoney(view.stopped.reduce((sum, row) => sum + row.storagePerMonth, 0))}/month storage`,
    // The same figure as the runway warning: the shorter of the two rates, named.
    `${balanceText(account, view.at)}, ${runwayText(account)}`,
  ].join(' · ');
  const warnings = view.warnings.map(warningLine);
  const summaryBlocks: Block[] = [section([head, ...(warnings.length > 0 ? warnings : ['✅ Nothing idle, nothing stale, enough credit.'])].join('\n')), context(`${totals} · details in the thread`)];
  const details = [
    '*Running pods*',
    ...(view.running.length > 0 ? view.running.map((row) => runningLine(row, zone, quiet)) : ['• none']),
    '*Stopped pods*',
    ...(view.stopped.length > 0 ? view.stopped.map(stoppedLine) : ['• none']),
    '*Account*',
    `${balanceText(account, view.at)} · spending ${formatMoney(account.spendPerHr)}/hr now${account.unavailable ? ' (the pods’ rates added up)' : ''}${account.avgSpendPerHr7d !== null ? ` · 7-day average ${formatMoney(account.avgSpendPerHr7d)}/hr` : ''} · ≈ ${formatMoney(account.spend24)} on running pods in 24 h`,
    account.runwayDaysNow === null
      ? 'Runway unknown: RunPod has not given the bot a balance yet (REST v2 has none; it is read over GraphQL).'
      : `Runway ≈ ${days(account.runwayDaysNow)} at the current burn${account.runwayDays7d !== null ? `, ≈ ${days(account.runwayDays7d)} at the 7-day average` : ''}; storage-only floor ≈ ${days(account.storageFloorDays ?? Number.POSITIVE_INFINITY)} (every pod stopped, volumes still billing).`,
    ...(account.spendLimit !== null ? [`Spend limit ${formatMoney(account.spendLimit)}/hr.`] : []),
  ];
  return {
    summary: { text: `${head.replaceAll('*', '')}${warnings.length > 0 ? ` — ${warnings.length} to look at` : ''}`, blocks: summaryBlocks },
    details: {
      text: 'Cost details',
      blocks: [
        section(details.join('\n')),
        context('Estimates: $/hr from RunPod, hours from the bot’s samples, storage at $0.20/GB/month over a 730-hour month. RunPod’s billing page is authoritative.'),
      ],
    },
  };
}
