/**
 * Deterministic question → topic matching for `/monai troubleshoot`.
 *
 * A question is normalised (NFKC, lower case, Slack markup and punctuation removed), split into
 * words, mapped through a small synonym table, stripped of filler words and lightly stemmed.
 * Keywords and symptoms go through the same steps, so "connecting", "connection" and
 * "connected" all meet at "connect". A topic scores for every keyword phrase found (longer
 * phrases weigh more; in order beats scattered) plus a little for words shared with its title
 * and symptoms (rarer words count more). The best score wins, ties go to the earlier topic, and
 * below MIN_SCORE there is no answer, nor below CONFIDENT_SCORE when most of the question's words
 * are unknown to the knowledge base. No randomness, no I/O.
 */
import { TOPICS, type Topic } from './topics.js';

export interface TopicMatch {
  topic: Topic;
  seeAlso: Topic[];
}

/** One single-word keyword hit is enough; word overlap alone needs about two distinctive words. */
export const MIN_SCORE = 1;
/**
 * Below this score (no phrase of two words or more), a question must be mostly about things the
 * knowledge base knows: "my cat ate the GPU" shares one word with a topic and two with none, and
 * gets the topic list rather than an unrelated answer.
 */
export const CONFIDENT_SCORE = 2.5;
const MAX_QUESTION_CHARS = 500;
const MAX_SEE_ALSO = 3;
const SCATTERED_FACTOR = 0.5;
const OVERLAP_WEIGHT = 0.5;

/** Words (after apostrophes are dropped) that mean the same thing here. Values may be several words. */
const SYNONYMS: Readonly<Record<string, string>> = {
  cannot: 'cant', wont: 'cant', couldnt: 'cant', unable: 'cant',
  doesnt: 'not', dont: 'not', isnt: 'not', arent: 'not', didnt: 'not', wasnt: 'not',
  connection: 'connect', connections: 'connect', connecting: 'connect', connected: 'connect', connects: 'connect',
  cuda: 'gpu', nvidia: 'gpu',
  key: 'ssh', keys: 'ssh', publickey: 'ssh', pubkey: 'ssh',
  slowly: 'slow', forever: 'slow', ages: 'slow', sluggish: 'slow', laggy: 'slow', lag: 'slow',
  price: 'cost', prices: 'cost', pricing: 'cost', costs: 'cost', bill: 'cost', bills: 'cost', billing: 'cost', billed: 'cost',
  money: 'cost', pay: 'cost', paying: 'cost', paid: 'cost', expensive: 'cost', cheap: 'cost', charge: 'cost',
  charged: 'cost', charges: 'cost', spend: 'cost', spending: 'cost', dollar: 'cost', dollars: 'cost', usd: 'cost',
  url: 'url', urls: 'url', link: 'url', links: 'url', address: 'url', addresses: 'url', ip: 'url', endpoint: 'url',
  labelled: 'label', labeled: 'label', labelling: 'label', labeling: 'label', labels: 'label',
  annotate: 'label', annotating: 'label', annotation: 'label', annotations: 'label',
  unlabelled: 'unlabeled',
  monailabel: 'monai label',
  plugin: 'extension', plugins: 'extension', addon: 'extension', extensions: 'extension',
  installing: 'install', installed: 'install', installation: 'install', installs: 'install',
  using: 'use', used: 'use', uses: 'use',
  stopped: 'stop', stopping: 'stop', stops: 'stop',
  pw: 'password', passwd: 'password', passwords: 'password',
  creds: 'credential', credentials: 'credential', unauthorized: 'credential', '401': 'credential',
  oom: 'out of memory',
  mri: 'mr',
  broke: 'broken',
};

/** Filler words dropped before matching. Negations and "who"/"which" are kept on purpose. */
const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the is are was were be been being am i im ive me my we our you your he she they it its this that these those ' +
    'to of in on at for from with by as and or but if do does did how what whats why when where there here so just ' +
    'please hi hello hey can could should would will have has had any some about into then than also too very really ' +
    'get got anyone someone somebody know tell help me us our ok okay thanks thank'
  ).split(' '),
);

/** Slack markup → plain words: mentions and channels vanish, links keep their label. */
function stripSlackMarkup(text: string): string {
  return text
    .replace(/<[@#!][^>]*>/g, ' ')
    .replace(/<([^>|]*)\|([^>]*)>/g, ' $2 ')
    .replace(/<([^>]*)>/g, ' $1 ')
    .replace(/&(amp|lt|gt);/g, ' ');
}

/** Words the suffix rules would mangle into other words (https → http). */
const KEEP_AS_IS: ReadonlySet<string> = new Set(['https', 'series', 'always', 'sometimes']);

function stem(word: string): string {
  if (/\d/.test(word) || word.length <= 3 || KEEP_AS_IS.has(word)) return word;
  let stemmed = word;
  let stripped = false;
  if (stemmed.endsWith('ies') && stemmed.length > 4) stemmed = `${stemmed.slice(0, -3)}y`;
  else if (stemmed.endsWith('ing') && stemmed.length >= 6) [stemmed, stripped] = [stemmed.slice(0, -3), true];
  else if (stemmed.endsWith('ed') && !stemmed.endsWith('eed') && stemmed.length >= 5) [stemmed, stripped] = [stemmed.slice(0, -2), true];
  else if (stemmed.endsWith('s') && !/(ss|us|is)$/.test(stemmed)) stemmed = stemmed.slice(0, -1);
  // running → run, stopped → stop; but install and fill keep their double l.
  if (stripped && /([b-df-hj-kmnp-rtv-y])\1$/.test(stemmed)) stemmed = stemmed.slice(0, -1);
  if (stemmed.endsWith('e') && stemmed.length > 4) stemmed = stemmed.slice(0, -1);
  return stemmed;
}

/** Question or keyword → the words the matcher compares. Exported for tests and debugging. */
export function tokenizeQuestion(text: string): string[] {
  const plain = stripSlackMarkup(text.slice(0, MAX_QUESTION_CHARS).normalize('NFKC'))
    .toLowerCase()
    .replace(/['’‘`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ');
  const words = plain
    .split(' ')
    .filter((word) => word.length > 0)
    .flatMap((word) => (SYNONYMS[word] ?? word).split(' '))
    .filter((word) => !STOPWORDS.has(word))
    .map(stem);
  // "ssh key" becomes "ssh ssh" after synonyms: collapse repeats.
  return words.filter((word, index) => word !== words[index - 1]);
}

interface PreparedTopic {
  topic: Topic;
  phrases: string[][];
  vocabulary: Set<string>;
}

interface Prepared {
  topics: PreparedTopic[];
  /** Every word any topic's keywords, title or symptoms use. */
  known: Set<string>;
  /** How many topics' title/symptom vocabulary holds a word. */
  documentFrequency: Map<string, number>;
}

const cache = new WeakMap<readonly Topic[], Prepared>();

function prepare(topics: readonly Topic[]): Prepared {
  const cached = cache.get(topics);
  if (cached) return cached;
  const documentFrequency = new Map<string, number>();
  const prepared = topics.map((topic) => {
    const seen = new Set<string>();
    const phrases: string[][] = [];
    for (const keyword of topic.keywords) {
      const phrase = tokenizeQuestion(keyword);
      const key = phrase.join(' ');
      if (phrase.length === 0 || seen.has(key)) continue;
      seen.add(key);
      phrases.push(phrase);
    }
    const vocabulary = new Set([topic.title, ...topic.symptoms].flatMap(tokenizeQuestion));
    for (const word of vocabulary) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
    return { topic, phrases, vocabulary };
  });
  const known = new Set(prepared.flatMap((topic) => [...topic.vocabulary, ...topic.phrases.flat()]));
  const result = { topics: prepared, documentFrequency, known };
  cache.set(topics, result);
  return result;
}

function phraseWeight(length: number): number {
  return 1 + 1.5 * (length - 1);
}

function containsInOrder(words: readonly string[], phrase: readonly string[]): boolean {
  for (let start = 0; start + phrase.length <= words.length; start++) {
    if (phrase.every((word, offset) => words[start + offset] === word)) return true;
  }
  return false;
}

function score(words: readonly string[], wordSet: ReadonlySet<string>, topic: PreparedTopic, prepared: Prepared): number {
  let total = 0;
  for (const phrase of topic.phrases) {
    if (containsInOrder(words, phrase)) total += phraseWeight(phrase.length);
    else if (phrase.length > 1 && phrase.every((word) => wordSet.has(word))) total += phraseWeight(phrase.length) * SCATTERED_FACTOR;
  }
  for (const word of wordSet) {
    if (topic.vocabulary.has(word)) total += OVERLAP_WEIGHT / (prepared.documentFrequency.get(word) ?? 1);
  }
  return total;
}

/** "/monai troubleshoot Pip_Install" → "pip-install": the form compared with topic ids. */
function asTopicId(question: string): string {
  return question
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/^(\/monai\s+)?(troubleshoot|ts)\s+/, '')
    .replace(/[`*_"“”]/g, ' ')
    .trim()
    .replace(/\s+/g, '-');
}

function resolveSeeAlso(topic: Topic, topics: readonly Topic[]): Topic[] {
  return topic.seeAlso
    .filter((id) => id !== topic.id)
    .map((id) => topics.find((candidate) => candidate.id === id))
    .filter((candidate): candidate is Topic => candidate !== undefined)
    .slice(0, MAX_SEE_ALSO);
}

/** The topic that best answers a question, with its related topics; null when nothing fits. */
export function matchTopic(question: string, topics: readonly Topic[] = TOPICS): TopicMatch | null {
  const id = asTopicId(question.slice(0, MAX_QUESTION_CHARS));
  const exact = topics.find((topic) => topic.id === id);
  if (exact) return { topic: exact, seeAlso: resolveSeeAlso(exact, topics) };

  const words = tokenizeQuestion(question);
  if (words.length === 0) return null;
  const wordSet = new Set(words);
  const prepared = prepare(topics);
  let best: PreparedTopic | null = null;
  let bestScore = 0;
  for (const candidate of prepared.topics) {
    const value = score(words, wordSet, candidate, prepared);
    if (value > bestScore) [best, bestScore] = [candidate, value];
  }
  if (!best || bestScore < MIN_SCORE) return null;
  if (bestScore < CONFIDENT_SCORE) {
    const strangers = [...wordSet].filter((word) => !prepared.known.has(word)).length;
    const matched = [...wordSet].filter((word) => best.vocabulary.has(word) || best.phrases.some((phrase) => phrase.includes(word))).length;
    if (strangers > matched) return null;
  }
  return { topic: best.topic, seeAlso: resolveSeeAlso(best.topic, topics) };
}

/** Every topic, in the knowledge base's order. */
export function listTopics(): Topic[] {
  return [...TOPICS];
}
