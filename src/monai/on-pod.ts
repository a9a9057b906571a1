import { BotError } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { PodShell } from '../ssh/shell.js';
import { LogTail } from './log-tail.js';
import { emptyVolumeFacts, GATE_UNKNOWN, gateFacts, readProbeMarker, type GateFacts, type ServerFacts, type VolumeFacts } from './pod-facts.js';
import { diskFullError, type InstallPlan } from './python-stack.js';
import { gateScript, parseMarker, startScript, watchScript, type ScriptSettings } from './setup-script.js';
import { installScript, probeScript } from './stack-script.js';

export interface WatchFacts {
  failure: 'startup-failed' | 'exited' | null;
  /** What the log says it is doing, e.g. "Loading the models". */
  phase: string | null;
  tail: readonly string[];
}

export const INSTALL_STEP_TEXT: Readonly<Record<string, string>> = {
  venv: 'Creating the Python environment on the volume (it reuses the image’s PyTorch)',
  pip: 'Installing MONAI Label with pinned dependencies (first time on this volume: a few minutes)',
  sam2: 'Building SAM 2 once (its wheel is kept on the volume)',
  check: 'Checking the installed packages (pip check)',
  'app-radiology': 'Downloading the radiology app',
  'app-monaibundle': 'Downloading the monaibundle app',
};

const PHASES: readonly [RegExp, string][] = [
  [/Downloading resource/, 'Downloading model weights (first start on this volume only)'],
  [/\+\+\+ Adding Model/, 'Loading the models'],
  [/Init Datastore/, 'Connecting to the DICOMweb server'],
  [/Uvicorn running on/, 'Listening; checking /info/ through the public port'],
];

/** MONAI Label's life on the pod, over one SSH connection: read the volume, install, start, watch. */
export class MonaiOnPod {
  constructor(
    private readonly shell: PodShell,
    private readonly settings: ScriptSettings,
    private readonly redactor: Redactor,
  ) {}

  async probe(signal?: AbortSignal): Promise<{ volume: VolumeFacts; server: ServerFacts; gate: GateFacts }> {
    const volume = emptyVolumeFacts();
    const server: ServerFacts = { running: false, pid: null, settingsMatch: false };
    let gate = { ...GATE_UNKNOWN };
    const outcome = await this.shell.run(probeScript(this.settings), {
      timeoutMs: 120_000,
      ...(signal ? { signal } : {}),
      onLine: (line) => {
        const marker = parseMarker(line);
        if (!marker) return;
        readProbeMarker(marker, volume, server);
        if (marker.gate) gate = gateFacts(marker, gate, this.redactor);
      },
    });
    if (outcome.code !== 0) {
      throw new BotError('SSH_COMMAND_FAILED', { message: 'Reading MONAI Label’s state on the pod failed.', details: this.redactor.redact(outcome.stderr.slice(-2000)) });
    }
    return { volume, server, gate };
  }

  /** Installs what is missing with the plan's pins; `onStep` hears each step as it begins. A cut-short run (signal) rejects with the signal's reason. */
  async install(plan: InstallPlan, signal: AbortSignal, onStep: (text: string) => void): Promise<void> {
    const output = new LogTail(40);
    let step = 'setup';
    let pipCheckFailed = false;
    let diskFull = false;
    const outcome = await this.shell.run(installScript(this.settings, plan), {
      signal,
      onLine: (line) => {
        const marker = parseMarker(line);
        if (!marker) {
          if (/No space left on device/i.test(line)) diskFull = true;
          return output.push(line);
        }
        if (marker['step'] && marker['state'] === 'begin') {
          step = String(marker['step']);
          onStep(INSTALL_STEP_TEXT[step] ?? `Running ${step}`);
        }
        if (marker['check'] === 'pip' && marker['status'] === 'failed') pipCheckFailed = true;
      },
    });
    if (outcome.code === 0) return;
    const details = output.text(this.redactor);
    if (diskFull) throw diskFullError(step, details);
    if (pipCheckFailed) {
      throw new BotError('MONAI_INSTALL_FAILED', {
        message: 'MONAI Label installed, but `pip check` found broken requirements among the packages it uses (pip’s lines below). MONAI Label was not started.',
        action: 'The image’s packages and the bot’s pins disagree: see `/monai troubleshoot pip`. An image with a consistent PyTorch (IMAGE_NAME) usually fixes it.',
        details,
      });
    }
    throw new BotError('MONAI_INSTALL_FAILED', {
      message: `Setting up MONAI Label on the pod failed (step: ${step}, exit code ${outcome.code ?? 'none'}).`,
      details,
    });
  }

  /** Starts MONAI Label detached behind the gate (or keeps what runs with these settings); says which. */
  async start(force: boolean, signal: AbortSignal): Promise<{ server: ServerFacts; kept: boolean; gate: GateFacts }> {
    let pid: number | null = null;
    let kept = false;
    let gate = { ...GATE_UNKNOWN };
    const output = new LogTail(30);
    const outcome = await this.shell.run(startScript(this.settings, force), {
      signal,
      onLine: (line) => {
        const marker = parseMarker(line);
        if (!marker) return output.push(line);
        if (marker.gate) gate = gateFacts(marker, gate, this.redactor, output);
        if (marker.server === 'kept' || marker.server === 'started') {
          pid = marker.pid ? Number(marker.pid) : null;
          kept = marker.server === 'kept';
        }
      },
    });
    if (outcome.code !== 0 || pid === null) {
      throw new BotError('MONAI_STARTUP_FAILED', {
        message: `Starting MONAI Label on the pod failed (exit code ${outcome.code ?? 'none'}).`,
        details: output.text(this.redactor),
      });
    }
    return { server: { running: true, pid, settingsMatch: true }, kept, gate };
  }

  /** Starts (or, with \`force\`, restarts) the gate alone; MONAI Label keeps running. */
  async startGate(force: boolean, signal: AbortSignal): Promise<GateFacts> {
    let gate = { ...GATE_UNKNOWN };
    const output = new LogTail(10);
    const outcome = await this.shell.run(gateScript(this.settings, force), {
      signal,
      onLine: (line) => {
        const marker = parseMarker(line);
        if (!marker) return output.push(line);
        if (marker.gate) gate = gateFacts(marker, gate, this.redactor, output);
      },
    });
    if (outcome.code !== 0) {
      throw new BotError('GATE_FAILED', { message: `Starting the gate on the pod failed (exit code ${outcome.code ?? 'none'}).`, details: output.text(this.redactor) });
    }
    return gate;
  }

  /** Streams the server's log in the background until `stop()`; `onListening` fires when Uvicorn listens. */
  watch(maxSeconds: number, onListening: () => void): ServerWatch {
    return new ServerWatch(this.shell, this.settings.volume, maxSeconds, this.redactor, onListening);
  }
}

/** The server's log as it starts: its phase, whether start-up failed or the process exited, and the tail. */
export class ServerWatch {
  private readonly tail = new LogTail(30);
  private failure: WatchFacts['failure'] = null;
  private phase: string | null = null;
  private readonly stopper = new AbortController();
  private readonly done: Promise<unknown>;

  constructor(shell: PodShell, volume: string, maxSeconds: number, private readonly redactor: Redactor, onListening: () => void) {
    this.done = shell
      .run(watchScript(volume, maxSeconds), {
        signal: this.stopper.signal,
        onLine: (line) => {
          const marker = parseMarker(line);
          if (marker?.['server'] === 'exited') this.failure ??= 'exited';
          if (marker) return;
          this.tail.push(line);
          if (/Application startup failed/.test(line)) this.failure ??= 'startup-failed';
          const phase = PHASES.find(([pattern]) => pattern.test(line));
          if (phase) this.phase = phase[1];
          if (/Uvicorn running on|Application startup complete/.test(line)) onListening();
          if (this.failure) onListening();
        },
      })
      .catch(() => undefined);
  }

  facts(): WatchFacts {
    return { failure: this.failure, phase: this.phase, tail: this.redactor.redact(this.tail.all().join('\n')).split('\n').filter((line) => line.length > 0) };
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.done;
  }
}
