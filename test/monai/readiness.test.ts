import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InfoAnswer, MonaiApi } from '../../src/monai/api.js';
import { waitUntilReady } from '../../src/monai/readiness.js';
import { RunningOperation } from '../../src/pod/running-operation.js';
import { createLogger } from '../../src/log.js';
import { Redactor } from '../../src/redact.js';
import type { ExecOptions, ExecResult, PodShell } from '../../src/ssh/shell.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Clock } from '../../src/util/clock.js';

/** A clock whose waits end only when aborted: a poll that is not woken never comes. */
const stalledClock: Clock = {
  now: () => Date.UTC(2026, 10, 28, 9, 0, 0),
  sleep: (_ms, signal) =>
    new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
};

/** The pod's log as the watch script streams it: lines arrive when the test says so. */
class ScriptedLog implements PodShell {
  private emit: ((line: string) => void) | null = null;
  run(_script: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.emit = (line) => options.onLine?.(line, 'stdout');
    return new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve({ code: null, stdout: '', stderr: '' })));
  }
  say(line: string): void {
    this.emit?.(line);
  }
  close(): void {}
}

class ServerThatListensLate implements MonaiApi {
  listening = false;
  checks = 0;
  async activity() {
    return null;
  }
  async alive() {
    this.checks += 1;
    return this.listening;
  }
  async info(): Promise<InfoAnswer> {
    return { kind: 'ok', info: { name: 'MONAILabel', version: '0.8.5', models: ['deepedit'], device: ['cuda'], studies: 12, labelled: 0, labelTags: {} } };
  }
}

const store = openSqliteStore({ path: ':memory:' });

function operation(): RunningOperation {
  const now = stalledClock.now();
  const view = { id: 'op1', kind: 'start' as const, podName: 'monai-label', phase: 'running' as const, requestedBy: ['U1'], startedAt: now, updatedAt: now, finishedAt: null, conditions: [], pod: null, result: null, error: null };
  const record = { id: 'op1', kind: 'start' as const, podName: 'monai-label', status: 'running' as const, view, memory: {}, params: {}, channel: null, messageTs: null, createdAt: now, updatedAt: now };
  const logger = createLogger({ level: 'error', format: 'json', redactor: new Redactor([]), stream: new PassThrough().resume() });
  return new RunningOperation(record, { store, clock: stalledClock, logger }, store.operations.insert(record));
}

describe('waiting for MONAI Label', () => {
  it('checks /info/ as soon as the log says uvicorn listens, not at the next poll', async () => {
    const shell = new ScriptedLog();
    const api = new ServerThatListensLate();
    const op = operation();
    const ready = waitUntilReady({
      op, shell, api, clock: stalledClock, redactor: new Redactor([]),
      baseUrl: 'http://127.0.0.1:9/', volume: '/workspace', models: ['deepedit'],
      deadline: stalledClock.now() + 600_000, pollMs: 3_600_000, costPerHr: 0.69,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.checks).toBe(1);
    api.listening = true;
    shell.say('INFO:     Application startup complete.');
    const waitedForNextPoll = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('readiness waited for the next poll')), 2000).unref());
    const info = await Promise.race([ready, waitedForNextPoll]);
    expect(info.models).toEqual(['deepedit']);
    expect(api.checks).toBe(2);
  });
});
