import { afterEach, describe, expect, it } from 'vitest';
import { errorMessage, logMessage } from '../../src/messages/common.js';
import { BotError } from '../../src/errors.js';
import { podLine } from '../../src/messages/lifecycle.js';
import { runCommand, startHarness, type Harness } from '../helpers/harness.js';
import { runningMonai } from '../helpers/running-monai.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Every mrkdwn text of a message's blocks, joined. */
function mrkdwn(blocks: unknown): string {
  return JSON.stringify(blocks);
}

describe('text from MONAI Label and RunPod renders as text in Slack', () => {
  it('a model named <!channel> or <http://evil|click> neither notifies anyone nor becomes a link', async () => {
    harness = await startHarness({ simulator: { services: runningMonai(['deepgrow_2d', 'deepgrow_3d', '<!channel>', '<http://evil.example|click here>']) } });
    const { surface } = await runCommand(harness, 'start');
    const ready = surface.posts[0]!.versions.at(-1)!;
    const text = mrkdwn(ready.blocks);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;http://evil.example|click here&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<http://evil.example');
  });

  it('a log line with triple backticks cannot close the code block, nor mention anyone', () => {
    const log = 'INFO start\n``` <!here> *bold* <http://evil|x>\nINFO ```end```';
    for (const message of [logMessage(log, 30), errorMessage(new BotError('MONAI_STARTUP_FAILED', { details: log }))]) {
      const section = message.blocks.map((block) => (block.type === 'section' && block.text ? block.text.text : '')).find((text) => text.includes('INFO start'))!;
      // One block opened at the start of the log, closed at its very end: nothing in between closes it.
      const fences = section.slice(section.indexOf('```')).match(/```/g) ?? [];
      expect(fences).toHaveLength(2);
      expect(section.endsWith('```')).toBe(true);
      expect(section).toContain('&lt;!here&gt;');
      expect(section).not.toContain('<!here>');
    }
  });

  it('pod ids, GPU names and states from RunPod are escaped', () => {
    const line = podLine({ id: 'abc<!channel>', name: 'x', status: 'RUNNING<@U1>', gpu: '<http://evil|RTX>', gpuCount: 1, costPerHr: 0.69, volumeGb: 30 });
    expect(line).not.toMatch(/<[!@h]/);
    expect(line).toContain('&lt;http://evil|RTX&gt;');
  });
});
