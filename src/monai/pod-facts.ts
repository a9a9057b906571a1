import type { Redactor } from '../redact.js';
import type { GpuFacts } from './gpu.js';
import type { LogTail } from './log-tail.js';
import type { DiskFacts, PodPython, TriedPython } from './python-stack.js';
import type { SetupMarker } from './setup-script.js';

/**
 * What the pod's marker lines say, read into facts: the volume, the Pythons, the GPU, the free
 * space, MONAI Label's server and the gate. Every value comes from the pod and is kept only when
 * it has the shape it should (a version, a GPU name, a number), so nothing else reaches a message.
 */

/** What the volume and the pod hold, as the probe reads it. */
export interface VolumeFacts {
  /** The Pythons looked at for the image's torch (empty when MONAI Label is installed with the bot's pins). */
  pythons: TriedPython[];
  /** The venv's own Python, when the venv exists: the torch MONAI Label imports. */
  venvPython: PodPython | null;
  venv: boolean;
  /** monailabel's version in the venv, or null. */
  installedVersion: string | null;
  /** The venv holds SAM 2. */
  sam2: boolean;
  /** The pins the venv was installed with (stackStamp), or null: none, or an install from before the pins. */
  stamp: string | null;
  /** App folders present under the venv, e.g. ["radiology"]. */
  apps: string[];
  gpu: Pick<GpuFacts, 'gpuName' | 'driverCuda'>;
  disk: DiskFacts;
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

export const GATE_UNKNOWN: GateFacts = { running: false, pid: null, settingsMatch: false, failure: null };

/** Folds a gate=… marker into what is known of the gate; `output` holds the lines printed before it. */
export function gateFacts(marker: SetupMarker, previous: GateFacts, redactor: Redactor, output?: LogTail): GateFacts {
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

export function emptyVolumeFacts(): VolumeFacts {
  return {
    pythons: [],
    venvPython: null,
    venv: false,
    installedVersion: null,
    sam2: false,
    stamp: null,
    apps: [],
    gpu: { gpuName: null, driverCuda: null },
    disk: { volumeFreeGb: null, containerFreeGb: null },
  };
}

/** Folds one of the probe's marker lines into what it has read so far. */
export function readProbeMarker(marker: SetupMarker, volume: VolumeFacts, server: ServerFacts): void {
  if (marker['python']) volume.pythons.push(readPython(marker));
  if (marker['venv']) {
    const found = readPython(marker).found;
    volume.venvPython = typeof found === 'object' ? found : null;
    volume.venv = volume.venvPython !== null;
    volume.installedVersion = text(marker['monailabel']) ?? null;
    volume.sam2 = text(marker['sam2']) !== undefined;
  }
  if (marker['stack']) volume.stamp = text(marker['stamp']) ?? null;
  if (marker['app']) volume.apps.push(String(marker['app']));
  if (marker['gpu']) volume.gpu = { gpuName: gpuName(marker['name']), driverCuda: cudaVersion(marker['cuda']) };
  if (marker['disk']) volume.disk = { volumeFreeGb: gigabytes(marker['volume_kb']), containerFreeGb: gigabytes(marker['container_kb']) };
  if (marker['server']) {
    server.running = marker['server'] === 'running';
    server.pid = marker['pid'] ? Number(marker['pid']) : null;
    server.settingsMatch = marker['settings'] === 'match';
  }
}

const text = (value: SetupMarker[string]): string | undefined => (typeof value === 'string' && value !== '' && value !== 'none' ? value : undefined);

/** A version as pip or nvidia-smi prints it; anything else from the pod is dropped. */
const version = (value: SetupMarker[string]): string | null => {
  const found = text(value);
  return found && /^\d+(\.[0-9A-Za-z]+)*(\+[0-9A-Za-z.]+)?$/.test(found) && found.length <= 40 ? found : null;
};
const cudaVersion = (value: SetupMarker[string]): string | null => {
  const found = text(value);
  return found && /^\d{1,3}\.\d{1,3}(\.\d+)?$/.test(found) ? found : null;
};
const gpuName = (value: SetupMarker[string]): string | null => {
  const found = text(value);
  return found && /^[A-Za-z0-9 ._()-]{1,80}$/.test(found) ? found.trim() : null;
};
const gigabytes = (value: SetupMarker[string]): number | null => {
  const found = text(value);
  return found && /^\d+$/.test(found) ? Number(found) / 1024 / 1024 : null;
};

function readPython(marker: SetupMarker): TriedPython {
  const command = String(marker['cmd'] ?? '?');
  if (marker['found'] === 'missing') return { command, found: 'missing' };
  const path = text(marker['path']);
  const pythonVersion = version(marker['version']);
  if (marker['found'] !== 'yes' || !path || !/^\/[A-Za-z0-9._/+-]+$/.test(path) || !pythonVersion) return { command, found: 'failed' };
  const found: PodPython = {
    command,
    path,
    version: pythonVersion,
    torch: version(marker['torch']),
    torchvision: version(marker['torchvision']),
    torchCuda: cudaVersion(marker['cuda']),
  };
  return { command, found };
}
