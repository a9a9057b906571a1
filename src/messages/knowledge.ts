/** Block Kit for `/monai troubleshoot`: one topic, or the list of topics when nothing matched. Pure. */
import { matchTopic, listTopics } from '../knowledge/match.js';
import type { Topic } from '../knowledge/topics.js';
import { context, escapeSlack, section, type Message } from './blocks.js';

const troubleshoot = (id: string) => `\`/monai troubleshoot ${id}\``;

/** Slack renders mrkdwn links as <url|label>; a label must not contain the characters that end it. */
function link(url: string, label: string): string {
  return `<${url}|${label.replace(/[<>|]/g, ' ')}>`;
}

/** One topic: what people see, why it happens, what to do, where to read more, what is related. */
export function topicMessage(topic: Topic, seeAlso: readonly Topic[] = []): Message {
  const body = [
    `*${escapeSlack(topic.title)}*`,
    `_Sounds like:_ ${topic.symptoms.map((symptom) => `“${escapeSlack(symptom)}”`).join(' · ')}`,
    '',
    '*Likely causes*',
    ...topic.causes.map((cause) => `• ${escapeSlack(cause)}`),
    '',
    '*What to do*',
    ...topic.fix.map((step, index) => `${index + 1}. ${escapeSlack(step)}`),
  ].join('\n');
  const notes = [`📖 ${topic.links.map((item) => link(item.url, item.label)).join(' · ')}`];
  if (seeAlso.length > 0) {
    notes.push(`See also: ${seeAlso.map((other) => `${troubleshoot(other.id)} (${escapeSlack(other.title)})`).join(', ')}`);
  }
  const text = [
    topic.title,
    ...topic.fix.map((step, index) => `${index + 1}. ${step}`),
    ...(seeAlso.length > 0 ? [`See also: ${seeAlso.map((other) => `/monai troubleshoot ${other.id}`).join(', ')}`] : []),
  ].join('\n');
  return { text, blocks: [section(body), context(...notes)] };
}

/**
 * The topic list, for an unmatched question or a bare `/monai troubleshoot`. The intro is shown
 * as plain text (escaped), so it may quote what the user typed.
 */
export function topicListMessage(intro = 'I don’t know that one yet.'): Message {
  const topics = listTopics();
  const lines = topics.map((topic) => `• \`${topic.id}\` — ${escapeSlack(topic.title)}`);
  const safeIntro = escapeSlack(intro.length > 300 ? `${intro.slice(0, 299)}…` : intro);
  return {
    text: `${safeIntro} Topics: ${topics.map((topic) => topic.id).join(', ')}`,
    blocks: [
      section(`${safeIntro}\n*Topics I can help with* — type ${escapeSlack(troubleshoot('<id>'))} or describe the problem in your own words:`),
      section(lines.join('\n')),
      context(`Example: ${troubleshoot('connection-refused')} or \`/monai troubleshoot slicer cannot connect\``),
    ],
  };
}

/** A question → the best topic's message, or the topic list when nothing fits. */
export function troubleshootMessage(question: string): Message {
  const trimmed = question.trim();
  if (trimmed.length === 0) return topicListMessage('What is going wrong? Pick a topic or describe it in a few words.');
  const match = matchTopic(trimmed);
  if (match) return topicMessage(match.topic, match.seeAlso);
  const shown = trimmed.length > 80 ? `${trimmed.slice(0, 80)}…` : trimmed;
  return topicListMessage(`I don’t know “${shown}” yet.`);
}
