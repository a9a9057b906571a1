import type { AuditEntry } from '../audit/audit.js';
import { formatDuration } from '../util/format.js';
import { actions, context, escapeSlack, section, type Message } from './blocks.js';
import { localTime } from './costs.js';
import { mention } from './lifecycle.js';

export function refusalMessage(reason: string): Message {
  return { text: reason.replaceAll('*', ''), blocks: [section(`🚫 ${reason}`), context('This reply is visible only to you.')] };
}

/** A destructive action, described, behind a danger button with Slack's own confirmation dialog. */
function prompt(text: string, label: string, command: string, confirm: { title: string; text: string; confirm: string }): Message {
  return {
    text: text.replaceAll('*', ''),
    blocks: [section(text), actions([{ label, command, style: 'danger', confirm }]), context('Only you can see this. Nothing happens unless you press the button and confirm.')],
  };
}

export function terminatePrompt(podName: string, podId: string, volumeGb: number): Message {
  return prompt(
    `⚠️ *Terminate ${podName}* (\`${podId}\`)? This deletes the pod *and its ${volumeGb} GB volume* for good: the venv, the downloaded models, anything trained or cached on it. Labels already submitted to Orthanc are not affected. A stopped pod costs only its storage; \`/monai stop\` is usually enough.`,
    'Terminate and delete the volume…',
    `terminate pod=${podId} confirmed`,
    { title: 'Delete the pod and its volume?', text: `Everything on ${podName}’s ${volumeGb} GB volume is lost. This cannot be undone.`, confirm: 'Terminate' },
  );
}

export function newPodPrompt(podName: string, currentPodId: string | null): Message {
  return prompt(
    `Deploy a *new* ${podName}? It starts with an empty volume: MONAI Label is installed again, and anything only on the old pod’s volume stays there. The old pod is kept, stopped, and its volume keeps billing until an admin terminates it.`,
    'Deploy a new pod…',
    `start new-pod${currentPodId ? ` pod=${currentPodId}` : ''} confirmed`,
    { title: 'Deploy a new pod?', text: 'The new pod starts with an empty volume; the old one keeps billing storage.', confirm: 'Deploy new pod' },
  );
}

export function forgetHostKeyPrompt(podId: string, fingerprint: string): Message {
  return prompt(
    `The bot remembers \`${fingerprint}\` as pod \`${podId}\`’s SSH host key and refuses any other. Forget it only if you know why the key changed (the pod was rebuilt); an unexplained change can mean someone is intercepting the connection.`,
    'Forget the host key…',
    'forget-host-key confirmed',
    { title: 'Forget the SSH host key?', text: 'The next connection will trust whatever key the pod presents.', confirm: 'Forget it' },
  );
}

export function historyMessage(entries: readonly AuditEntry[], zone: string): Message {
  const lines = entries.map((entry) => {
    const took = entry.durationMs >= 1000 ? ` (${formatDuration(entry.durationMs)})` : '';
    const what = entry.kind === 'auto' ? escapeSlack(entry.text) : `\`${escapeSlack(entry.text) || '(empty)'}\``;
    return `\`${localTime(entry.at, zone)}\` ${mention(entry.actor)} ${what} → ${entry.outcome}${took}`;
  });
  return {
    text: `The last ${entries.length} actions`,
    blocks: [section(`*The last ${entries.length} actions*, newest first\n${lines.join('\n') || 'Nothing yet.'}`), context('Kept in the bot’s database and its log.')],
  };
}
