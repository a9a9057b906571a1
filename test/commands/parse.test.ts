import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands/parse.js';

describe('parseCommand', () => {
  it.each([
    ['start', { kind: 'start', newPod: false, models: null }],
    ['  START  ', { kind: 'start', newPod: false, models: null }],
    ['up', { kind: 'start', newPod: false, models: null }],
    ['start new-pod', { kind: 'start', newPod: true, models: null }],
    ['start deepgrow', { kind: 'start', newPod: false, models: ['deepgrow_2d', 'deepgrow_3d'] }],
    ['start DeepEdit', { kind: 'start', newPod: false, models: ['deepedit'] }],
    ['start segmentation_spleen, deepgrow_2d', { kind: 'start', newPod: false, models: ['segmentation_spleen', 'deepgrow_2d'] }],
    ['start all', { kind: 'start', newPod: false, models: ['all'] }],
    ['restart', { kind: 'restart' }],
    ['logs', { kind: 'logs', lines: 30 }],
    ['logs 200', { kind: 'logs', lines: 200 }],
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
    expect(parseCommand('start; rm -rf /')).toEqual({ kind: 'invalid', reason: '“start;” is not a /monai command. Did you mean `/monai start`?' });
    expect(parseCommand('start $(reboot)')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('Unknown model: $(reboot).') });
    expect(parseCommand('start deepgrow_4d')).toEqual({
      kind: 'invalid',
      reason:
        'Unknown model: deepgrow_4d. Choose a preset (deepgrow, deepedit, segmentation), `all`, or models from: deepedit, deepgrow_2d, deepgrow_3d, localization_spine, localization_vertebra, segmentation, segmentation_spleen, segmentation_vertebra, sw_fastedit.',
    });
    expect(parseCommand('logs 500')).toEqual({ kind: 'invalid', reason: '`logs` shows 1 to 200 lines.' });
    expect(parseCommand('logs ; cat /etc/passwd')).toMatchObject({ kind: 'invalid' });
  });
});
