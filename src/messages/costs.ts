import { DateTime } from 'luxon';
import type { DigestView, DigestWarning, RunningRow, StoppedRow } from '../costs/digest.js';
import type { IdleState } from '../costs/idle-policy.js';
import { HOUR } from '../costs/math.js';
import { formatDuration, formatHours, formatMoney, plural } from '../util/format.js';
import { actions, context, section, type Block, type ButtonSpec, type Message } from './blocks.js';

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

export interface IdleWarningInput {
  podName: string;
  state: IdleState;
  costPerHr: number;
  volumeGb: number;
  storagePerMonth: number;
  gpuPercent: number;
  autostop: 'warn' | 'stop';
  owner: { id: string | null; name: string | null };
  quiet: boolean;
  now: number;
  zone: string;
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
  const lines = [
    `💤 *${input.podName} looks idle* — ${who(input.owner, input.quiet)}`,
    `No MONAI Label activity (inference, label saved, Next Sample) ${since}: ${formatDuration(idleMs)} idle. No training. GPU under ${input.gpuPercent}% in all ${plural(state.idleSamples, 'sample')}.`,
    `It costs ${formatMoney(input.costPerHr)}/hr while it runs (≈ ${formatMoney((idleMs / HOUR) * input.costPerHr)} for this idle time). Stopped, its ${input.volumeGb} GB volume costs ${formatMoney(input.storagePerMonth)}/month.`,
    input.autostop === 'stop' && state.stopAt !== null
      ? `⏱️ It will be stopped at *${localTime(state.stopAt, zone)}* (in ${formatDuration(state.stopAt - now)}) unless someone keeps it or uses it.`
      : 'Nothing is stopped automatically here (AUTOSTOP=warn): stop it if nobody needs it.',
  ];
  const buttons: ButtonSpec[] = [
    ...KEEP_BUTTONS,
    {
      label: 'Stop now…',
      command: 'stop',
      style: 'danger',
      confirm: { title: 'Stop the pod now?', text: `MONAI Label goes offline. The ${input.volumeGb} GB volume and its data are kept.`, confirm: 'Stop' },
    },
  ];
  return { text: `${input.podName} looks idle (${formatDuration(idleMs)}); ${input.autostop === 'stop' ? 'it will be stopped soon' : 'consider stopping it'}.`, blocks: [section(lines.join('\n')), actions(buttons)] };
}

/** The warning message after the fact: the buttons go, one line says what happened. */
export function warningOutcome(podName: string, outcome: string): Message {
  return { text: `${podName}: ${outcome.replaceAll('*', '')}`, blocks: [section(`💤 *${podName} looked idle*\n${outcome}`)] };
}

function runningLine(row: RunningRow, zone: string, quiet: boolean): string {
  const parts = [
    `*${row.name}* — ${row.gpu} · ${formatMoney(row.costPerHr)}/hr`,
    `up ${formatHours(row.hoursUp24)} in 24 h ≈ ${formatMoney(row.spend24)}`,
    `idle ${formatHours(row.idleHours24)} ≈ ${formatMoney(row.idleCost24)}`,
    row.startedBy ? `started by ${who({ id: row.startedBy, name: null }, quiet)}` : 'not started through the bot',
  ];
  if (row.keptBy && row.keptUntil) parts.push(`kept by ${who({ id: row.keptBy, name: null }, quiet)} until ${localTime(row.keptUntil, zone)}`);
  return `• ${parts.join(' · ')}`;
}

function stoppedLine(row: StoppedRow): string {
  const stopped = row.daysStopped === null ? 'stopped (since when unknown)' : `stopped ${days(row.daysStopped)}`;
  const storage = row.networkVolume ? 'network volume (billed separately)' : `${row.volumeGb} GB volume · ${formatMoney(row.storagePerMonth)}/month`;
  return `• *${row.name}* — ${storage} · ${stopped}`;
}

function warningLine(warning: DigestWarning): string {
  switch (warning.kind) {
    case 'idle':
      return `⚠️ *${warning.row.name}* is running idle: ${formatHours(warning.row.idleNowHours || warning.row.idleHours24)} (≈ ${formatMoney(warning.row.idleCost24)} in 24 h at ${formatMoney(warning.row.costPerHr)}/hr). \`/monai stop\` if nobody needs it.`;
    case 'stale':
      return `⚠️ *${warning.row.name}* has been stopped ${days(warning.row.daysStopped ?? 0)}; its ${warning.row.volumeGb} GB volume still costs ${formatMoney(warning.row.storagePerMonth)}/month. Terminate it if nothing on it is needed (an admin can).`;
    case 'runway': {
      const lost = warning.withoutNetworkVolume.length > 0 ? ` — that would be ${warning.withoutNetworkVolume.join(', ')}` : '';
      return `🚨 The balance (${formatMoney(warning.balance)}) lasts about ${days(warning.days)} at the ${warning.basis}. At $0 RunPod stops every pod and *terminates pods without a network volume; their data cannot be recovered*${lost}. Add credit in RunPod → Billing.`;
    }
  }
}

export function digestMessages(view: DigestView, zone: string, quiet: boolean): { summary: Message; details: Message } {
  const { account } = view;
  const head = `💰 *RunPod costs — ${localDay(view.at, zone)}* (estimates)`;
  const totals = [
    `Running: ${plural(view.running.length, 'pod')}, ${formatMoney(view.running.reduce((sum, row) => sum + row.costPerHr, 0))}/hr`,
    `Stopped: ${plural(view.stopped.length, 'pod')}, ${formatMoney(view.stopped.reduce((sum, row) => sum + row.storagePerMonth, 0))}/month storage`,
    // The same figure as the runway warning: the shorter of the two rates, named.
    `Balance ${formatMoney(account.balance)}, ≈ ${days(account.runway.days)} at the ${account.runway.basis}`,
  ].join(' · ');
  const warnings = view.warnings.map(warningLine);
  const summaryBlocks: Block[] = [section([head, ...(warnings.length > 0 ? warnings : ['✅ Nothing idle, nothing stale, enough credit.'])].join('\n')), context(`${totals} · details in the thread`)];
  const details = [
    '*Running pods*',
    ...(view.running.length > 0 ? view.running.map((row) => runningLine(row, zone, quiet)) : ['• none']),
    '*Stopped pods*',
    ...(view.stopped.length > 0 ? view.stopped.map(stoppedLine) : ['• none']),
    '*Account*',
    `Balance ${formatMoney(account.balance)} · spending ${formatMoney(account.spendPerHr)}/hr now${account.avgSpendPerHr7d !== null ? ` · 7-day average ${formatMoney(account.avgSpendPerHr7d)}/hr` : ''} · ≈ ${formatMoney(account.spend24)} on running pods in 24 h`,
    `Runway ≈ ${days(account.runwayDaysNow)} at the current burn${account.runwayDays7d !== null ? `, ≈ ${days(account.runwayDays7d)} at the 7-day average` : ''}; storage-only floor ≈ ${days(account.storageFloorDays)} (every pod stopped, volumes still billing).`,
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
