import { BotError } from '../errors.js';
import { podEndpoints } from '../pod/endpoints.js';
import type { Installation } from '../pod/installation.js';
import { locatePod } from '../pod/locate.js';
import type { RunPodApi } from '../runpod/api.js';
import type { Redactor } from '../redact.js';
import type { SnapshotCache } from '../runpod/snapshot-cache.js';
import type { PodShellConnector } from '../ssh/shell.js';
import type { Store } from '../store/store.js';
import { tailScript } from './setup-script.js';

export interface LogReaderDeps {
  runpod: RunPodApi;
  snapshots: SnapshotCache;
  store: Store;
  connector: PodShellConnector;
  redactor: Redactor;
  installation: Installation;
  podName: string;
  volume: string;
}

/** The last lines of MONAI Label's log on the pod, and the gate's, secrets redacted. Only the bot's own pod is read. */
export async function readServerLog(deps: LogReaderDeps, lines: number, signal?: AbortSignal): Promise<string> {
  const { snapshot } = await deps.snapshots.get(5_000, signal);
  const { pod } = await locatePod({ runpod: deps.runpod, pods: deps.store.pods, podName: deps.podName, installation: deps.installation }, snapshot, signal);
  const endpoints = pod ? podEndpoints(pod) : null;
  if (!pod || !endpoints) throw new BotError('POD_NOT_RUNNING', { message: `${deps.podName} is not running, so MONAI Label has no live log.` });
  const shell = await deps.connector.connect({ podId: pod.id, ...endpoints.ssh }, signal);
  try {
    const result = await shell.run(tailScript(deps.volume, lines), { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
    if (result.code !== 0) {
      throw new BotError('SSH_COMMAND_FAILED', { message: 'Reading the log on the pod failed.', details: deps.redactor.redact(result.stderr.slice(-2000)) });
    }
    return deps.redactor.redact(result.stdout);
  } finally {
    shell.close();
  }
}
