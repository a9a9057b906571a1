import { BotError } from '../errors.js';
import type { MonaiInfo } from '../monai/api.js';
import { diagnoseStartup } from '../monai/diagnose.js';
import { deviceVerdict, type GpuFacts } from '../monai/gpu.js';
import type { VolumeFacts } from '../monai/pod-facts.js';
import { choosePython, planInstall, stackStamp, type InstallPlan } from '../monai/python-stack.js';
import type { Pod } from '../runpod/api.js';
import { escapeSlack, formatDuration } from '../util/format.js';
import { stillBillingSentence } from './billing.js';
import type { DecideLimits, Step } from './decide.js';
import type { DesiredState } from './desired.js';
import type { ReconcileMemory } from './memory.js';
import type { MonaiObservation } from './observation.js';
import type { ConditionType } from './operation.js';

export interface MonaiDecideInput {
  desired: DesiredState;
  monai: MonaiObservation;
  memory: ReconcileMemory;
  now: number;
  limits: DecideLimits;
  pod: Pod;
}

/** /info/ failing this many times in a row, over at least ten polls, is a datastore problem, not start-up. */
const INFO_FAILURES = 5;
/** …and for at least this long: a server that died says so in its log first, even on a busy machine. */
const DATASTORE_WINDOW_MS = 5_000;

export function servesModels(info: MonaiInfo, models: readonly string[]): boolean {
  return models.includes('all') ? info.models.length > 0 : models.every((model) => info.models.includes(model));
}

/**
 * /info/ answered through the gate running the configuration wanted now (token, blocked routes,
 * gate.py). An answer without that digest comes from an old gate, or none: it must be (re)started.
 */
export function gateAnswers(monai: Pick<MonaiObservation, 'info' | 'gateDigest'>): boolean {
  return monai.info.kind === 'ok' && monai.info.gate === monai.gateDigest;
}

/** The observation shows everything a running request wants: no SSH needed, nothing to do. */
export function monaiReady(monai: Pick<MonaiObservation, 'info' | 'gateDigest'>, models: readonly string[], restartPending: boolean): boolean {
  return monai.info.kind === 'ok' && servesModels(monai.info.info, models) && gateAnswers(monai) && !restartPending;
}

function missingModels(info: MonaiInfo, wanted: readonly string[]): string[] {
  if (wanted.includes('all')) return info.models.length > 0 ? [] : ['any model'];
  return wanted.filter((model) => !info.models.includes(model));
}

/** The MONAI Label half: the pod runs with its ports mapped; what is missing for /info/ to serve the models? Pure. */
export function decideMonai(input: MonaiDecideInput): Step {
  const step = monaiStep(input);
  if (step.kind !== 'act' && step.kind !== 'wait') return step;
  const { memory, now, limits } = input;
  const since = memory.readyAt ?? now;
  if (now - since <= limits.monaiReadyMs) return step;
  return { kind: 'timeout', condition: step.condition, error: monaiTimeout(step.condition, limits.monaiReadyMs, input) };
}

function monaiStep(input: MonaiDecideInput): Step {
  const { desired, monai, memory, now, limits } = input;
  const restartPending = desired.restartNonce !== null && memory.serverStartedFor !== desired.generation;
  const info = monai.info;
  const gate = monai.gate;
  const gateCurrent = gateAnswers(monai) || (gate?.running === true && gate.settingsMatch);
  if (info.kind === 'ok' && servesModels(info.info, desired.models) && !restartPending && gateCurrent) {
    const reused = memory.bootedAt === null && memory.serverStartedFor === null && !memory.installed && !memory.gateStarted;
    return {
      kind: 'done',
      result: {
        apiUrl: monai.url,
        models: info.info.models,
        studies: info.info.studies,
        device: info.info.device,
        gpu: deviceVerdict(info.info.device, gpuFacts(monai.volume) ?? memory.gpu ?? null),
        monaiVersion: info.info.version,
        reused,
      },
    };
  }
  if (monai.ssh.kind === 'not-needed') return { kind: 'wait', condition: 'MonaiReady', reason: 'Starting' };
  if (monai.ssh.kind === 'failed') {
    const { error } = monai.ssh;
    if (error.code !== 'SSH_UNREACHABLE') return { kind: 'fail', error };
    if (memory.sshFailingSince !== null && now - memory.sshFailingSince >= limits.sshConnectMs) {
      return { kind: 'timeout', condition: 'SshReachable', error: withBilling(error, input) };
    }
    return { kind: 'wait', condition: 'SshReachable', reason: 'Connecting' };
  }
  const volume = monai.volume;
  if (!volume) return { kind: 'wait', condition: 'MonaiInstalled', reason: 'Checking' };
  if (needsInstall(volume, limits)) {
    if (memory.installed) {
      return { kind: 'fail', error: new BotError('MONAI_INSTALL_FAILED', { message: 'The install finished, but the volume still lacks MONAI Label, its pinned dependencies or its radiology app.' }) };
    }
    const planned = installPlan(volume, limits);
    if ('error' in planned) return { kind: 'fail', error: withBilling(planned.error, input) };
    return { kind: 'act', action: { kind: 'install', plan: planned.plan }, condition: 'MonaiInstalled' };
  }
  const watch = monai.watch;
  const startedHere = memory.serverStartedFor === desired.generation;
  if (watch?.failure === 'startup-failed') return { kind: 'fail', error: withTail(new BotError('MONAI_STARTUP_FAILED'), input) };
  if (watch?.failure === 'exited' || (startedHere && monai.server && !monai.server.running)) {
    return { kind: 'fail', error: withTail(new BotError('MONAI_DIED'), input) };
  }
  const server = monai.server;
  if (!server || !server.running || !server.settingsMatch || restartPending) {
    return { kind: 'act', action: { kind: 'start-server', force: restartPending || (server?.running === true && !server.settingsMatch) }, condition: 'MonaiStarted' };
  }
  // The public port admits only the secret URL, or MONAI Label is not offered at all.
  if (!gate?.running || !gate.settingsMatch) return { kind: 'act', action: { kind: 'start-gate' }, condition: 'GateReady' };
  if (info.kind === 'ok') {
    const missing = missingModels(info.info, desired.models);
    const error = new BotError('MONAI_MODELS_MISSING', {
      message: `MONAI Label answers, but without ${missing.join(', ')} (it lists ${escapeSlack(info.info.models.join(', ')) || 'no models'}).`,
    });
    return { kind: 'fail', error: withTail(error, input) };
  }
  if (info.kind === 'error' && memory.infoFailures >= INFO_FAILURES && memory.infoFailingSince !== null && now - memory.infoFailingSince >= Math.max(10 * limits.monaiPollMs, DATASTORE_WINDOW_MS)) {
    const error = new BotError('MONAI_DATASTORE_FAILED', { message: `MONAI Label runs, but /info/ fails (HTTP ${info.status}: ${escapeSlack(info.detail.slice(0, 300))}).` });
    return { kind: 'fail', error: withTail(error, input) };
  }
  return { kind: 'wait', condition: 'MonaiReady', reason: watch?.phase ?? 'Starting' };
}

/** MONAI Label is missing, from another release, installed without the bot's pins, or lacks SAM 2 that is wanted now. */
function needsInstall(volume: VolumeFacts, limits: DecideLimits): boolean {
  return (
    !volume.venv ||
    volume.installedVersion !== limits.monaiVersion ||
    !volume.apps.includes('radiology') ||
    volume.stamp !== stackStamp(limits.monaiVersion) ||
    (limits.stack.sam2 && !volume.sam2)
  );
}

/** The Python that has the image's torch (the venv's own once the pins are in), checked against what the install needs. */
function installPlan(volume: VolumeFacts, limits: DecideLimits): { plan: InstallPlan } | { error: BotError } {
  const chosen = volume.pythons.length > 0 || !volume.venvPython ? choosePython(volume.pythons, limits.stack) : { python: volume.venvPython };
  if ('error' in chosen) return chosen;
  return planInstall(chosen.python, volume.disk, limits.stack);
}

function gpuFacts(volume: VolumeFacts | null): GpuFacts | null {
  if (!volume?.venvPython) return null;
  return { ...volume.gpu, torch: volume.venvPython.torch, torchCuda: volume.venvPython.torchCuda };
}

function withTail(error: BotError, input: MonaiDecideInput): BotError {
  const tail = input.monai.watch?.tail ?? [];
  const message = `${error.message} ${input.pod.desiredStatus === 'RUNNING' ? stillBillingSentence(input.pod.costPerHr) : ''}`.trim();
  return new BotError(error.code, { message, action: tail.length > 0 ? diagnoseStartup(tail) : error.action, details: tail.join('\n') || undefined });
}

function withBilling(error: BotError, input: MonaiDecideInput): BotError {
  return new BotError(error.code, { message: `${error.message} ${stillBillingSentence(input.pod.costPerHr)}`, action: error.action, cause: error.cause });
}

const MONAI_STEP_TEXT: Partial<Record<ConditionType, string>> = {
  SshReachable: 'The pod did not accept the bot’s SSH connection',
  MonaiInstalled: 'Installing MONAI Label on the volume did not finish',
  MonaiStarted: 'Starting MONAI Label did not finish',
  MonaiReady: 'MONAI Label did not answer',
  GateReady: 'The gate on the public port did not start',
};

function monaiTimeout(condition: ConditionType, limit: number, input: MonaiDecideInput): BotError {
  const message = `${MONAI_STEP_TEXT[condition] ?? 'MONAI Label was not ready'} within ${formatDuration(limit)} (MONAI_READY_TIMEOUT_MINUTES).`;
  const error =
    condition === 'MonaiInstalled'
      ? new BotError('MONAI_INSTALL_TIMEOUT', { message })
      : condition === 'SshReachable'
        ? new BotError('SSH_UNREACHABLE', { message })
        : new BotError('MONAI_READY_TIMEOUT', { message });
  return withTail(error, input);
}
