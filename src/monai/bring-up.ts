import type { MonaiSettings } from '../config/load.js';
import { BotError, isBotError } from '../errors.js';
import type { Logger } from '../log.js';
import { apiUrl, type PodEndpoints } from '../pod/endpoints.js';
import type { OperationResult } from '../pod/operation.js';
import type { RunningOperation } from '../pod/running-operation.js';
import type { AfterReady, Reobserve } from '../pod/start.js';
import type { Redactor } from '../redact.js';
import type { Pod } from '../runpod/api.js';
import type { PodShell, PodShellConnector } from '../ssh/shell.js';
import type { HostKeyRepo } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { MonaiApi, MonaiInfo } from './api.js';
import { LogTail, waitUntilReady } from './readiness.js';
import { parseMarker, setupScript, type ScriptSettings } from './setup-script.js';

export interface MonaiDeps {
  connector: PodShellConnector;
  api: MonaiApi;
  hostKeys: HostKeyRepo;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  settings: MonaiSettings;
  volume: string;
  /** Budget for one SSH connection attempt chain before RunPod is asked again for the ports. */
  sshAttemptBudgetMs?: number;
  connectTimeoutMs: number;
}

const STEP_TEXT: Record<string, string> = {
  venv: 'Creating the Python environment on the volume',
  pip: 'Installing MONAI Label (first time on this volume: several minutes)',
  'app-radiology': 'Downloading the radiology app',
  'app-monaibundle': 'Downloading the monaibundle app',
};

export function scriptSettings(deps: Pick<MonaiDeps, 'settings' | 'volume'>, models: readonly string[], forceRestart: boolean): ScriptSettings {
  const { settings } = deps;
  if (!settings.dicomwebUrl) throw new BotError('CONFIG_INVALID', { message: 'DICOMWEB_URL is not set.' });
  return {
    volume: deps.volume,
    python: settings.python,
    version: settings.version,
    models,
    sam2: settings.sam2,
    dicomwebUrl: settings.dicomwebUrl,
    dicomwebUsername: settings.dicomwebUsername,
    dicomwebPassword: settings.dicomwebPassword,
    forceRestart,
  };
}

function servesModels(info: MonaiInfo, models: readonly string[]): boolean {
  return models.includes('all') ? info.models.length > 0 : models.every((model) => info.models.includes(model));
}

function result(endpoints: PodEndpoints, info: MonaiInfo, reused: boolean): OperationResult {
  return { apiUrl: apiUrl(endpoints.api), models: info.models, studies: info.studies, device: info.device, monaiVersion: info.version, reused };
}

/** Connects, asking RunPod again for the ports when the first ones lead nowhere (stale after a resume). */
async function connect(op: RunningOperation, deps: MonaiDeps, pod: Pod, first: PodEndpoints, reobserve: Reobserve): Promise<{ shell: PodShell; endpoints: PodEndpoints }> {
  const began = deps.clock.now();
  let endpoints = first;
  for (;;) {
    op.condition('SshReachable', 'False', 'Connecting', `Connecting over SSH to ${endpoints.ssh.host}:${endpoints.ssh.port}`);
    try {
      const shell = await deps.connector.connect({ podId: pod.id, ...endpoints.ssh }, op.signal, deps.sshAttemptBudgetMs ?? 10_000);
      op.condition('SshReachable', 'True', 'Connected', 'Connected to the pod over SSH');
      return { shell, endpoints };
    } catch (error) {
      if (!isBotError(error, 'SSH_UNREACHABLE') || deps.clock.now() - began > deps.connectTimeoutMs) throw error;
      const fresh = await reobserve();
      if (!fresh) throw new BotError('POD_NOT_RUNNING', { message: 'The pod stopped while the bot was connecting to it.' });
      endpoints = fresh.endpoints;
    }
  }
}

/** Installs (once), starts (unless it runs with these models) and waits for MONAI Label. */
export function monaiAfterReady(deps: MonaiDeps): AfterReady {
  return async (op, pod, first, reused, reobserve) => {
    const models = (op.params['models'] as string[] | undefined) ?? [...deps.settings.models];
    const force = op.params['forceRestart'] === true;
    // A running server with the right models needs no SSH at all.
    if (reused && !force) {
      const answer = await deps.api.info(apiUrl(first.api), op.signal);
      if (answer.kind === 'ok' && servesModels(answer.info, models)) {
        op.condition('MonaiReady', 'True', 'Ready', `MONAI Label answers with ${answer.info.models.length} models`);
        return result(first, answer.info, true);
      }
    }
    // The bot resumed or deployed this pod: a new container, whose sshd makes new host keys.
    if ((op.memory['resumeRequested'] || op.memory['deployRequested']) && !op.memory['hostKeyReset']) {
      if (await deps.hostKeys.forget(pod.id)) deps.logger.info('new container: the pod’s SSH host key will be learned again', { podId: pod.id });
      await op.remember({ hostKeyReset: true });
    }
    const { shell, endpoints } = await connect(op, deps, pod, first, reobserve);
    try {
      const deadline = op.view.startedAt + deps.settings.readyTimeoutMs;
      await runSetup(op, deps, shell, scriptSettings(deps, models, force), deadline);
      op.condition('MonaiReady', 'False', 'Starting', 'Waiting for MONAI Label to answer');
      const info = await waitUntilReady({
        op,
        shell,
        api: deps.api,
        clock: deps.clock,
        redactor: deps.redactor,
        baseUrl: apiUrl(endpoints.api),
        volume: deps.volume,
        models,
        deadline,
        pollMs: deps.settings.pollMs,
        costPerHr: pod.costPerHr,
      });
      op.condition('MonaiReady', 'True', 'Ready', `MONAI Label answers with ${info.models.length} models`);
      return result(endpoints, info, false);
    } finally {
      shell.close();
    }
  };
}

async function runSetup(op: RunningOperation, deps: MonaiDeps, shell: PodShell, settings: ScriptSettings, deadline: number): Promise<void> {
  const output = new LogTail(30);
  let step = 'setup';
  op.condition('MonaiInstalled', 'False', 'Checking', `Checking MONAI Label ${settings.version} on the volume`);
  const outcome = await shell.run(setupScript(settings), {
    signal: op.signal,
    timeoutMs: Math.max(1000, deadline - deps.clock.now()),
    onLine: (line) => {
      const marker = parseMarker(line);
      if (!marker) return output.push(line);
      if (marker.step && marker.state === 'begin') {
        step = marker.step;
        op.condition('MonaiInstalled', 'False', 'Installing', STEP_TEXT[marker.step] ?? `Running ${marker.step}`);
      }
      if (marker.server === 'kept') op.condition('MonaiStarted', 'True', 'AlreadyRunning', 'MONAI Label was already running with these settings');
      if (marker.server === 'stopping') op.condition('MonaiStarted', 'False', 'Restarting', 'Stopping the running MONAI Label to restart it');
      if (marker.server === 'started') op.condition('MonaiStarted', 'True', 'Started', 'MONAI Label started in the background');
      if (marker.fail === 'python') step = 'python';
    },
  });
  if (outcome.code !== 0) {
    deps.logger.warn('setup script failed', { operation: op.id, step, code: outcome.code });
    throw new BotError('MONAI_INSTALL_FAILED', {
      message: `Setting up MONAI Label on the pod failed (step: ${step}, exit code ${outcome.code ?? 'none'}).`,
      details: output.text(deps.redactor),
    });
  }
  op.condition('MonaiInstalled', 'True', 'Installed', `MONAI Label ${settings.version} is installed on the volume`);
}
