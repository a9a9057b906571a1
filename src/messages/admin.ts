import type { AuditEntry } from '../audit/audit.js';
import { formatDuration } from '../util/format.js';
import { actions, context, escapeSlack, section, type Message } from './blocks.js';
import { localTime } from './costs.js';
import { mention } from './lifecycle.js';

export function refusalMessage(reason: string): Message {
  return { text: reason.replaceAll('*', ''), blocks: [section(`🚫 ${reason}`), context('This reply is visible only to you.')] };
}

type Confirm = { title: string; text: string; confirm: string };

/** A destructive action, described, behind danger buttons with Slack's own confirmation dialog. */
function prompt(text: string, buttons: readonly { label: string; command: string; confirm: Confirm }[]): Message {
  return {
    text: text.replaceAll('*', ''),
    blocks: [
      section(text),
      actions(buttons.map((button) => ({ ...button, style: 'danger' as const }))),
      context('Only you can see this. Nothing happens unless you press the button and confirm.'),
    ],
  };
}

export function terminatePrompt(podName: string, podId: string, volumeGb: number): Message {
  return prompt(
    `⚠️ *Terminate ${podName}* (\`${podId}\`)? This deletes the pod *and its ${volumeGb} GB volume* for good: the venv, the downloaded models, anything trained or cached on it. Labels already submitted to Orthanc are not affected. A stopped pod costs only its storage; \`/monai stop\` is usually enough.`,
    [
      {
        label: 'Terminate and delete the volume…',
        command: `terminate pod=${podId} confirmed`,
        confirm: { title: 'Delete the pod and its volume?', text: `Everything on ${podName}’s ${volumeGb} GB volume is lost. This cannot be undone.`, confirm: 'Terminate' },
      },
    ],
  );
}

export function newPodPrompt(podName: string, currentPodId: string | null): Message {
  return prompt(
    `Deploy a *new* ${podName}? It starts with an empty volume: MONAI Label is installed again, and anything only on the old pod’s volume stays there. The old pod is kept, stopped, and its volume keeps billing until an admin terminates it.`,
    [
      {
        label: 'Deploy a new pod…',
        command: `start new-pod${currentPodId ? ` pod=${currentPodId}` : ''} confirmed`,
        confirm: { title: 'Deploy a new pod?', text: 'The new pod starts with an empty volume; the old one keeps billing storage.', confirm: 'Deploy new pod' },
      },
    ],
  );
}

export function forgetHostKeyPrompt(podId: string, fingerprint: string): Message {
  return prompt(
    `The bot remembers \`${fingerprint}\` as pod \`${podId}\`’s SSH host key and refuses any other. Forget it only if you know why the key changed (the pod was rebuilt); an unexplained change can mean someone is intercepting the connection.`,
    [
      {
        label: 'Forget the host key…',
        command: 'forget-host-key confirmed',
        confirm: { title: 'Forget the SSH host key?', text: 'The next connection will trust whatever key the pod presents.', confirm: 'Forget it' },
      },
    ],
  );
}

export function newUrlPrompt(podName: string, podId: string | null): Message {
  return prompt(
    `🔑 *Replace the URL for 3D Slicer* of ${podName}? Everyone using the current URL loses access at once (bookmarks and the Slicer setting stop working) and needs the new one, which the bot then posts in the channel. Do it when the URL may have reached someone it should not.`,
    [
      {
        label: 'Make a new URL…',
        command: `new-url${podId ? ` pod=${podId}` : ''} confirmed`,
        confirm: { title: 'Replace the URL?', text: 'The old URL stops working at once for everyone.', confirm: 'Replace it' },
      },
    ],
  );
}

/** One button per pod of the name the bot did not deploy: adopting gives it the bot's setup script and credentials. */
export function adoptPrompt(podName: string, candidates: readonly { id: string; status: string; gpu: string | null }[]): Message {
  const listed = candidates.map((pod) => `• \`${escapeSlack(pod.id)}\` — ${escapeSlack(pod.status.toLowerCase())}${pod.gpu ? `, ${escapeSlack(pod.gpu)}` : ''}`).join('\n');
  return prompt(
    `*Adopt a pod named ${podName}* that this bot did not deploy? Check first whose it is: the bot will log in to it, install and run MONAI Label on its volume, and send it the DICOMweb (Orthanc) credentials; \`/monai stop\` and the idle guard will stop it.\n${listed}`,
    candidates.slice(0, 5).map((pod) => ({
      label: `Adopt ${pod.id}…`,
      command: `adopt pod=${pod.id} confirmed`,
      confirm: { title: 'Adopt this pod?', text: `The bot will manage pod ${pod.id}: it gets the setup script and the DICOMweb credentials.`, confirm: 'Adopt it' },
    })),
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
