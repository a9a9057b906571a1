import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands/parse.js';

describe('parseCommand', () => {
  it.each([
    ['start', { kind: 'start', newPod: false }],
    ['  START  ', { kind: 'start', newPod: false }],
    ['up', { kind: 'start', newPod: false }],
    ['start new-pod', { kind: 'start', newPod: true }],
    ['stop', { kind: 'stop' }],
    ['down', { kind: 'stop' }],
    ['status', { kind: 'status' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
  ])('%j → %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('refuses extra words, long text and unknown verbs with a reason, escaping what it echoes', () => {
    expect(parseCommand('stop now please')).toEqual({ kind: 'invalid', reason: '`stop` takes no arguments.' });
    expect(parseCommand('x'.repeat(600))).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('<!channel> hi')).toEqual({ kind: 'invalid', reason: '“&lt;!channel&gt;” is not a /monai command.' });
    expect(parseCommand('start; rm -rf /')).toEqual({ kind: 'invalid', reason: '“start;” is not a /monai command.' });
    expect(parseCommand('start $(reboot)')).toEqual({ kind: 'invalid', reason: '`start` does not take “$(reboot)”.' });
  });
});
