import { readFileSync } from 'node:fs';
import { rssMb, startBot, type Fakes } from './processes.js';
import { median, type Figure } from './stats.js';

/** V8's memory reducer usually returns ~15 MB once a process has been quiet for 10–20 s (not always: hence three bots). */
const SETTLE_MS = 20_000;

/** The bot as a process: from spawn to ready (Slack HTTP mode, config checked, DB migrated), and its memory once idle. */
export async function footprint(fakes: Fakes): Promise<Figure[]> {
  const starts: number[] = [];
  for (let run = 0; run < 5; run++) {
    const bot = await startBot(fakes);
    starts.push(bot.startedInMs);
    await bot.stop();
  }
  // Three bots side by side, so the wait for idleness is paid once.
  const bots = await Promise.all([startBot(fakes), startBot(fakes), startBot(fakes)]);
  let sizes: number[];
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    sizes = bots.map((bot) => rssMb(bot.child.pid!, readFileSync(`/proc/${bot.child.pid}/status`, 'utf8')));
  } finally {
    await Promise.all(bots.map((bot) => bot.stop()));
  }
  const cold = median(starts);
  const rss = median(sizes);
  return [
    { name: 'cold start to ready (median of 5)', value: cold / 1000, unit: ' s', target: '≤ 1.5 s', ok: cold <= 1500 },
    { name: 'resident memory when idle, 20 s after start-up (median of 3)', value: rss, unit: ' MB', target: '≤ 120 MB', ok: rss <= 120 },
  ];
}
