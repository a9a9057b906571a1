import { BotError } from '../errors.js';
import type { RunningOperation } from '../pod/running-operation.js';
import type { Redactor } from '../redact.js';
import type { PodShell } from '../ssh/shell.js';
import type { Clock } from '../util/clock.js';
import { formatDuration } from '../util/format.js';
import type { MonaiApi, MonaiInfo } from './api.js';
import { diagnoseStartup } from './diagnose.js';
import { parseMarker, watchScript } from './setup-script.js';

/** The last lines of a log, kept while streaming. */
export class LogTail {
  private readonly lines: string[] = [];
  constructor(private readonly size = 30) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  text(redactor: Redactor): string {
    return redactor.redact(this.lines.join('\n'));
  }

  all(): readonly string[] {
    return this.lines;
  }
}

const PHASES: readonly [RegExp, string][] = [
  [/Downloading resource/, 'Downloading model weights (first start on this volume only)'],
  [/\+\+\+ Adding Model/, 'Loading the models'],
  [/Init Datastore/, 'Connecting to the DICOMweb server'],
  [/Uvicorn running on/, 'Listening; checking /info/ through the public port'],
];

export interface ReadinessInput {
  op: RunningOperation;
  shell: PodShell;
  api: MonaiApi;
  clock: Clock;
  redactor: Redactor;
  baseUrl: string;
  volume: string;
  models: readonly string[];
  deadline: number;
  pollMs: number;
  costPerHr: number;
}

/** /info/ failing this many times in a row, over at least ten polls, is a datastore problem, not start-up. */
const INFO_FAILURES = 5;

function missingModels(info: MonaiInfo, wanted: readonly string[]): string[] {
  if (wanted.includes('all')) return info.models.length > 0 ? [] : ['any model'];
  return wanted.filter((model) => !info.models.includes(model));
}

/**
 * Polls MONAI Label from outside (through RunPod's public mapping) while a second SSH channel
 * streams its log, so a failed start-up is reported the moment it shows, not at the timeout.
 * Ready = /info/ answers and lists the requested models.
 */
export async function waitUntilReady(input: ReadinessInput): Promise<MonaiInfo> {
  const { op, api, clock, redactor } = input;
  const tail = new LogTail(30);
  let failure: BotError | null = null;
  const stopWatching = new AbortController();
  // The log says when uvicorn listens: poll at once instead of at the next tick, so the URL follows within milliseconds.
  let wake = new AbortController();
  const withTail = (error: BotError) =>
    new BotError(error.code, { message: error.message, action: diagnoseStartup(tail.all()), details: tail.text(redactor) });

  const watch = input.shell
    .run(watchScript(input.volume, Math.max(1, (input.deadline - clock.now()) / 1000)), {
      signal: AbortSignal.any([op.signal, stopWatching.signal]),
      onLine: (line) => {
        const marker = parseMarker(line);
        if (marker?.server === 'exited') failure ??= withTail(new BotError('MONAI_DIED'));
        if (marker) return;
        tail.push(line);
        if (/Application startup failed/.test(line)) failure ??= withTail(new BotError('MONAI_STARTUP_FAILED'));
        const phase = PHASES.find(([pattern]) => pattern.test(line));
        if (phase) op.condition('MonaiReady', 'False', 'Starting', phase[1]);
        if (/Uvicorn running on|Application startup complete/.test(line)) wake.abort();
      },
    })
    .catch(() => undefined);

  let infoFailures = 0;
  let firstInfoFailure = 0;
  try {
    for (;;) {
      op.signal.throwIfAborted();
      if (failure) throw failure;
      if (clock.now() > input.deadline) {
        throw withTail(
          new BotError('MONAI_READY_TIMEOUT', {
            message: `MONAI Label did not answer within ${formatDuration(input.deadline - op.view.startedAt)}. The pod is still running and billing $${input.costPerHr.toFixed(2)}/hr: \`/monai stop\` stops it.`,
          }),
        );
      }
      if (await api.alive(input.baseUrl, op.signal)) {
        const answer = await api.info(input.baseUrl, op.signal);
        if (answer.kind === 'ok') {
          const missing = missingModels(answer.info, input.models);
          if (missing.length > 0) {
            throw withTail(
              new BotError('MONAI_MODELS_MISSING', {
                message: `MONAI Label answers, but without ${missing.join(', ')} (it lists ${answer.info.models.join(', ') || 'no models'}).`,
              }),
            );
          }
          return answer.info;
        }
        if (answer.kind === 'error') {
          if (infoFailures++ === 0) firstInfoFailure = clock.now();
          if (infoFailures >= INFO_FAILURES && clock.now() - firstInfoFailure >= 10 * input.pollMs) {
            throw withTail(
              new BotError('MONAI_DATASTORE_FAILED', {
                message: `MONAI Label runs, but /info/ fails (HTTP ${answer.status}: ${redactor.redact(answer.detail).slice(0, 300)}).`,
              }),
            );
          }
        }
      }
      await clock.sleep(input.pollMs, AbortSignal.any([op.signal, wake.signal])).catch((error: unknown) => {
        if (op.signal.aborted || !wake.signal.aborted) throw error;
      });
      if (wake.signal.aborted) wake = new AbortController();
    }
  } finally {
    stopWatching.abort();
    await watch;
  }
}
