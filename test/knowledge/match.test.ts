import { describe, expect, it } from 'vitest';
import { listTopics, matchTopic, tokenizeQuestion } from '../../src/knowledge/match.js';
import { TOPICS, type Topic } from '../../src/knowledge/topics.js';
import { topicListMessage, topicMessage, troubleshootMessage } from '../../src/messages/knowledge.js';
import type { Block } from '../../src/messages/blocks.js';

const QUESTIONS: [string, string][] = [
  // connection / URL
  ['slicer cannot connect', 'connection-refused'],
  ['Failed to fetch models from remote server', 'connection-refused'],
  ['Failed to fetch models from remote server. Make sure server address is correct and <server_uri>/info/ is accessible in browser', 'connection-refused'],
  ['connection refused on http://0.0.0.0:8000', 'connection-refused'],
  ['Slicer won’t connect to the server', 'connection-refused'],
  ['the url stopped working', 'url-changed'],
  ['it worked yesterday, now the link is dead', 'url-changed'],
  ['the port changed after I resumed the pod', 'url-changed'],
  // 3D Slicer
  ['how do I install the monai label extension', 'install-extension'],
  ['where do I get the MONAILabel plugin for Slicer?', 'install-extension'],
  ['installed the extension but I can’t find the module', 'module-not-found'],
  ['refresh button shows no models', 'no-models'],
  ['app name is empty after refresh', 'no-models'],
  ['next sample does nothing', 'next-sample'],
  ['Unlabeled samples or images not found at server', 'next-sample'],
  ['I uploaded new studies to orthanc but they do not show up', 'next-sample'],
  ['deepedit is missing from the model list', 'models-missing'],
  ['Application startup failed. Exiting.', 'startup-failed'],
  ['submit label fails', 'submit-label'],
  ['how do I use threshold and smoothing', 'threshold-smoothing'],
  ['how to fill holes in my segmentation with the segment editor', 'threshold-smoothing'],
  ['what’s the difference between deepgrow and deepedit', 'which-model'],
  ['can it segment the spleen automatically?', 'which-model'],
  // pod and GPU
  ['CUDA out of memory', 'cuda-oom'],
  ['RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB', 'cuda-oom'],
  ['it’s slow the first time', 'slow-first-start'],
  ['start takes forever', 'slow-first-start'],
  ['why is it using the cpu', 'gpu-not-used'],
  ['torch.cuda.is_available() is False', 'gpu-not-used'],
  ['pip install fails with numpy==1.26.0', 'pip-install'],
  ["No module named 'distutils'", 'pip-install'],
  ['ERROR: No matching distribution found for numpy==1.26.0', 'pip-install'],
  ['not enough free GPUs on the host machine', 'resume-no-gpu'],
  ['There are not enough free GPUs on the host machine to start this pod.', 'resume-no-gpu'],
  ['how much does a stopped pod cost', 'costs'],
  ['are we paying money when nobody uses it?', 'costs'],
  ['what is the bill this month', 'costs'],
  ['permission denied (publickey)', 'ssh-keys'],
  ['All configured authentication methods failed', 'ssh-keys'],
  ['is the server public? who can see it', 'security'],
  ['does monai label have a password?', 'security'],
  ['how do I stop the pod', 'start-stop'],
  // what the bot's error messages point to
  ['pip', 'pip-install'],
  ['ssh', 'ssh-keys'],
  // Slack markup around the question
  ['<@U123ABC> slicer cannot connect', 'connection-refused'],
  ['<#C1|annotation> <http://1.2.3.4:40123|the link> is dead since yesterday', 'url-changed'],
  ['*CUDA* out of memory!!!', 'cuda-oom'],
  ['ＣＵＤＡ out of memory', 'cuda-oom'],
];

describe('matchTopic', () => {
  it.each(QUESTIONS)('%j → %s', (question, id) => {
    expect(matchTopic(question)?.topic.id).toBe(id);
  });

  it.each(TOPICS.map((topic) => topic.id))('the id %s typed exactly selects its topic', (id) => {
    expect(matchTopic(id)?.topic.id).toBe(id);
    expect(matchTopic(`  ${id.toUpperCase()} `)?.topic.id).toBe(id);
    expect(matchTopic(`troubleshoot ${id}`)?.topic.id).toBe(id);
  });

  it('sends `/monai troubleshoot pip` and `/monai troubleshoot ssh` where the error messages promise', () => {
    expect(matchTopic('pip')?.topic.title).toMatch(/pip|python/i);
    expect(matchTopic('ssh')?.topic.title).toMatch(/ssh/i);
    expect(matchTopic('/monai troubleshoot pip')?.topic.id).toBe('pip-install');
    expect(matchTopic('/monai troubleshoot ssh')?.topic.id).toBe('ssh-keys');
  });

  it.each(["what's for lunch", 'the weather in Boston', '', '   ', '?!', '<@U123>'])('%j → null', (question) => {
    expect(matchTopic(question)).toBeNull();
  });

  it('gives the same answer every time', () => {
    for (const [question] of QUESTIONS) expect(matchTopic(question)).toEqual(matchTopic(question));
    const ids = QUESTIONS.map(([question]) => matchTopic(question)?.topic.id);
    expect(QUESTIONS.map(([question]) => matchTopic(question)?.topic.id)).toEqual(ids);
  });

  it('resolves up to three see-also topics from the given list, in order', () => {
    const match = matchTopic('connection refused');
    expect(match?.seeAlso.map((topic) => topic.id)).toEqual(['url-changed', 'no-models', 'slow-first-start']);
    const only = TOPICS.filter((topic) => topic.id === 'connection-refused' || topic.id === 'no-models');
    expect(matchTopic('connection refused', only)?.seeAlso.map((topic) => topic.id)).toEqual(['no-models']);
  });

  it('breaks ties by the order of the topics', () => {
    const twin = (id: string): Topic => ({ id, title: 'Twin', symptoms: [], causes: [], fix: [], links: [], keywords: ['zebra'], seeAlso: [] });
    expect(matchTopic('zebra', [twin('first'), twin('second')])?.topic.id).toBe('first');
    expect(matchTopic('zebra', [twin('second'), twin('first')])?.topic.id).toBe('second');
  });

  it('treats synonyms and inflections alike', () => {
    expect(tokenizeQuestion("won't connect")).toEqual(tokenizeQuestion('cannot connection'));
    expect(tokenizeQuestion('connecting')).toEqual(tokenizeQuestion('connected'));
    expect(tokenizeQuestion('billing prices')).toEqual(['cost']);
    expect(tokenizeQuestion('<@U1> hi <https://x.org|docs>')).toEqual(['doc']);
  });
});

describe('the knowledge base', () => {
  const ids = TOPICS.map((topic) => topic.id);

  it('has at least 16 topics with unique kebab-case ids', () => {
    expect(TOPICS.length).toBeGreaterThanOrEqual(16);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(listTopics().map((topic) => topic.id)).toEqual(ids);
  });

  it.each(TOPICS.map((topic) => [topic.id, topic] as const))('%s is complete', (_id, topic) => {
    expect(topic.symptoms.length).toBeGreaterThanOrEqual(1);
    expect(topic.symptoms.length).toBeLessThanOrEqual(3);
    expect(topic.causes.length).toBeGreaterThanOrEqual(1);
    expect(topic.causes.length).toBeLessThanOrEqual(4);
    expect(topic.fix.length).toBeGreaterThanOrEqual(2);
    expect(topic.fix.length).toBeLessThanOrEqual(6);
    expect(topic.links.length).toBeGreaterThanOrEqual(1);
    expect(topic.links.length).toBeLessThanOrEqual(3);
    for (const item of topic.links) expect(item.url).toMatch(/^https:\/\/[^\s<>|]+$/);
    expect(topic.keywords.length).toBeGreaterThan(0);
    for (const id of topic.seeAlso) {
      expect(ids).toContain(id);
      expect(id).not.toBe(topic.id);
    }
  });

  it.each(TOPICS.map((topic) => [topic.id, topic] as const))('%s renders within Slack’s limits', (_id, topic) => {
    const message = topicMessage(topic, matchTopic(topic.id)?.seeAlso ?? []);
    const texts = message.blocks.flatMap(blockTexts);
    for (const text of texts) {
      expect(text.length).toBeLessThan(3000);
      expect(text.endsWith('…')).toBe(false);
    }
    expect(texts.join('\n').length).toBeLessThan(3000);
    expect(texts.join('\n')).toContain(topic.title);
    expect(texts.join('\n')).toContain(`1. `);
    expect(texts.join('\n')).toContain(`<${topic.links[0]?.url}|`);
    for (const other of topic.seeAlso.slice(0, 3)) expect(texts.join('\n')).toContain(`/monai troubleshoot ${other}`);
  });
});

describe('messages', () => {
  it('lists every topic id when nothing matched, escaping what the user typed', () => {
    const message = topicListMessage();
    const all = message.blocks.flatMap(blockTexts).join('\n');
    expect(all).toContain('I don’t know that one yet');
    for (const topic of TOPICS) expect(all).toContain(`\`${topic.id}\``);
    expect(all.length).toBeLessThan(6000);
    for (const text of message.blocks.flatMap(blockTexts)) expect(text.length).toBeLessThan(3000);

    const unmatched = troubleshootMessage("<!channel> what's for lunch");
    const text = unmatched.blocks.flatMap(blockTexts).join('\n');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
  });

  it('answers a question with its topic', () => {
    const message = troubleshootMessage('next sample does nothing');
    expect(message.text).toContain('Next Sample');
    expect(message.blocks.flatMap(blockTexts).join('\n')).toContain('/monai troubleshoot no-models');
  });
});

function blockTexts(block: Block): string[] {
  if (block.type === 'section') return block.text ? [block.text.text] : [];
  if (block.type === 'context') return block.elements.map((element) => ('text' in element ? element.text : ''));
  return [];
}
