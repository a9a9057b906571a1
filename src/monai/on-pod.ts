import { BotError } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { PodShell } from '../ssh/shell.js';
import { LogTail } from './log-tail.js';
import { gateScript, installScript, parseMarker, probeScript, startScript, watchScript, type ScriptSettings, type SetupMarker } from './setup-script.js';

/** What the volume holds, as the probe reads it. */
export interface VolumeFacts {
  /** The interpreter the venv is made from, when usable; otherwise why not. */
  python: { usable: true; version: string } | { usable: false; reason: string };
  venv: boolean;
  /** monailabel's version in the venv, or null. */
  installedVersion: string | null;
  /** App folders present under the venv, e.g. ["radiology"]. */
  apps: string[];
}

export interface ServerFacts {
  running: boolean;
  pid: number | null;
  /** The running server was started with exactly the settings wanted now (models, DICOMweb, SAM 2). */
  settingsMatch: boolean;
}

/** The gate on the exposed port, as the pod reports it. */
export interface GateFacts {
  running: boolean;
  pid: number | null;
  /** It runs with exactly the configuration wanted now (token, blocked routes, gate.py). */
  settingsMatch: boolean;
  /** It did not come up: its last log lines (e.g. "Address already in use"). */
  failure: string | null;
}

const GATE_UNKNOWN: GateFacts = { running: false, pid: null, settingsMatch: false, failure: null };

/** Folds a gate=… marker into what is known of the gate; `output` holds the lines printed before it. */
function gateFacts(marker: SetupMarker, previous: GateFacts, redactor: Redactor, output?: LogTail): GateFacts {
  const pid = marker.pid ? Number(marker.pid) : null;
  switch (marker.gate) {
    case 'running':
      return { running: true, pid, settingsMatch: marker.settings === 'match', failure: null };
    case 'kept':
    case 'started':
      return { running: true, pid, settingsMatch: true, failure: null };
    case 'stopped':
      return { ...GATE_UNKNOWN };
    case 'failed':
      return { running: false, pid: null, settingsMatch: false, failure: output?.text(redactor) || 'The gate exited without a word.' };
    default:
      return previous;
  }
}

export interface WatchFacts {
  failure: 'startup-failed' | 'exited' | null;
  /** What the log says it is doing, e.g. "Loading the models". */
  phase: string | null;
  tail: readonly string[];
}

export const INSTALL_STEP_TEXT: Readonly<Record<string, string>> = {
  venv: 'Creating the Python environment on the volume',
  pip: 'Installing MONAI Label (first time on this volume: several minutes)',
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
    const volume: VolumeFacts = { python: { usable: false, reason: 'The pod did not report its Python.' }, venv: false, installedVersion: null, apps: [] };
    const server: ServerFacts = { running: false, pid: null, settingsMatch: false };
    let gate = { ...GATE_UNKNOWN };
    const outcome = await this.shell.run(probeScript(this.settings), {
      timeoutMs: 60_000,
      ...(signal ? { signal } : {}),
      onLine: (line) => {
        const marker = parseMarker(line);
        if (!marker) return;
        if (marker.python === 'ok') volume.python = { usable: true, version: marker.version ?? '' };
        if (marker.python === 'missing') volume.python = { usable: false, reason: `${this.settings.python} was not found on the pod (POD_PYTHON).` };
        if (marker.python === 'unsupported') {
          volume.python = { usable: false, reason: `MONAI Label ${this.settings.version} needs Python 3.9 to 3.12; the pod’s ${this.settings.python} is ${marker.version ?? 'another version'}.` };
        }
        if (marker.venv) volume.venv = marker.venv === 'yes';
        if (marker.installed) volume.installedVersion = marker.installed === 'none' ? null : marker.installed;
        if (marker.app) volume.apps.push(marker.app);
        if (marker.server) {
          server.running = marker.server === 'running';
          server.pid = marker.pid ? Number(marker.pid) : null;
          server.settingsMatch = marker.settings === 'match';
        }
        if (marker.gate) gate = gateFacts(marker, gate, this.redactor);
      },
    });
    if (outcome.code !== 0) {
      throw new BotError('SSH_COMMAND_FAILED', { message: 'Reading MONAI Label’s state on the pod failed.', details: this.redactor.redact(outcome.stderr.slice(-2000)) });
    }
    return { volume, server, gate };
  }

  /** Installs what is missing; `onStep` hears each step as it begins. A cut-short run (signal) rejects with the signal's reason. */
  async install(signal: AbortSignal, onStep: (text: string) => void): Promise<void> {
    const output = new LogTail(30);
    let step = 'setup';
    const outcome = await this.shell.run(installScript(this.settings), {
      signal,
      onLine: (line) => {
        const marker = parseMarker(line);
        if (!marker) return output.push(line);
        if (marker.step && marker.state === 'begin') {
          step = marker.step;
          onStep(INSTALL_STEP_TEXT[marker.step] ?? `Running ${marker.step}`);
        }
        if (marker.python) step = 'python';
      },
    });
    if (outcome.code !== 0) {
      throw new BotError('MONAI_INSTALL_FAILED', {
        message: `Setting up MONAI Label on the pod failed (step: ${step}, exit code ${outcome.code ?? 'none'}).`,
        details: output.text(this.redactor),
      });
    }
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
          if (marker?.server === 'exited') this.failure ??= 'exited';
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
