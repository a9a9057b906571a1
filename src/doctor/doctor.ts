import { asBotError } from '../errors.js';
import type { MonaiApi } from '../monai/api.js';
import { doctorScript } from '../monai/doctor-script.js';
import { deviceVerdict } from '../monai/gpu.js';
import { parseMarker, type SetupMarker } from '../monai/setup-script.js';
import { apiUrl, podEndpoints, secretBase } from '../pod/endpoints.js';
import type { Installation } from '../pod/installation.js';
import { locatePod } from '../pod/locate.js';
import type { Redactor } from '../redact.js';
import type { RunPodApi, Snapshot } from '../runpod/api.js';
import type { PodShell, PodShellConnector } from '../ssh/shell.js';
import type { Store } from '../store/store.js';
import { escapeSlack, formatMoney } from '../util/format.js';

export type CheckStatus = 'pending' | 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  label: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export const CHECKS: readonly { id: string; label: string }[] = [
  { id: 'runpod', label: 'RunPod API key' },
  { id: 'pod', label: 'The pod and its state' },
  { id: 'ports', label: 'Ports 8000 and 22 mapped' },
  { id: 'ssh', label: 'SSH to the pod' },
  { id: 'process', label: 'MONAI Label process' },
  { id: 'gate', label: 'Public port admits only the secret URL' },
  { id: 'info', label: '/info/ through the secret URL' },
  { id: 'models', label: 'Requested models loaded' },
  { id: 'gpu', label: 'GPU visible to MONAI Label' },
  { id: 'dicomweb', label: 'DICOMweb server from the pod' },
  { id: 'disk', label: 'Free space on the volume' },
];

export interface DoctorDeps {
  runpod: RunPodApi;
  store: Store;
  connector: PodShellConnector;
  monai: MonaiApi;
  redactor: Redactor;
  installation: Installation;
  /** The gate configuration wanted now: the secret path and the digest the gate should name. */
  gate: () => Promise<{ token: string; digest: string }>;
  podName: string;
  volume: string;
  dicomwebUrl: string | undefined;
  /** The models the last start asked for (else the configured default). */
  models: readonly string[];
  minFreeGb: number;
  signal?: AbortSignal;
}

/** Thrown inside a check to stop the run there: what follows cannot be checked. */
class Blocked extends Error {}

/**
 * Checks the chain from the RunPod key to the DICOMweb server, in order, reporting each result as
 * it comes; stops at the first failure that makes the next checks meaningless.
 */
export async function runDoctor(deps: DoctorDeps, report: (results: readonly CheckResult[]) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = CHECKS.map((check) => ({ ...check, status: 'pending', detail: '' }));
  const set = (id: string, status: CheckStatus, detail: string, fix?: string) => {
    const index = results.findIndex((result) => result.id === id);
    results[index] = { ...results[index]!, status, detail: deps.redactor.redact(detail), ...(fix ? { fix } : {}) };
    report(results);
  };
  const block = (id: string, detail: string, fix: string): never => {
    set(id, 'fail', detail, fix);
    throw new Blocked();
  };
  let shell: PodShell | null = null;
  try {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await deps.runpod.snapshot(deps.signal);
    } catch (error) {
      const failure = asBotError(error);
      block('runpod', failure.message, failure.action);
    }
    set('runpod', 'pass', `The key works; ${snapshot!.account ? `balance ${formatMoney(snapshot!.account.balance)}` : 'balance unavailable from RunPod'}.`);

    const { pod, foreign } = await locatePod({ runpod: deps.runpod, pods: deps.store.pods, podName: deps.podName, installation: deps.installation }, snapshot!, deps.signal);
    if (!pod && foreign.size > 0) {
      block('pod', `The only pods named ${deps.podName} were not deployed by this bot (${escapeSlack([...foreign].join(', '))}): the bot does not check or configure them.`, 'An admin can `/monai adopt` one after checking whose it is.');
    }
    if (!pod) block('pod', `There is no pod named ${deps.podName}.`, '`/monai start` deploys one.');
    if (pod!.desiredStatus !== 'RUNNING') block('pod', `${deps.podName} (${escapeSlack(pod!.id)}) is stopped.`, '`/monai start` resumes it.');
    if (!pod!.runtime) block('pod', `${deps.podName} is RUNNING but RunPod has not started its container yet.`, 'Wait a minute and run `/monai doctor` again.');
    set('pod', 'pass', `${escapeSlack(pod!.name)} (${escapeSlack(pod!.id)}) runs on ${escapeSlack(pod!.gpuDisplayName ?? 'a GPU')} at ${formatMoney(pod!.costPerHr)}/hr.`);

    const endpoints = podEndpoints(pod!);
    if (!endpoints) {
      block('ports', 'RunPod lists no public TCP mapping for port 8000 and port 22.', 'The pod needs 8000/tcp and 22/tcp with a public IP. If it was created outside the bot, deploy one with `/monai start new-pod`.');
    }
    const root = apiUrl(endpoints!.api);
    const gate = await deps.gate();
    const base = secretBase(endpoints!.api, gate.token);
    // The URL is shown without its secret: the doctor's message goes to the channel.
    const shown = `${root}/…`;
    set('ports', 'pass', `8000 → ${endpoints!.api.host}:${endpoints!.api.port}, 22 → ${endpoints!.ssh.host}:${endpoints!.ssh.port}`);

    try {
      shell = await deps.connector.connect({ podId: pod!.id, ...endpoints!.ssh }, deps.signal, 15_000);
    } catch (error) {
      const failure = asBotError(error);
      block('ssh', failure.message, failure.action);
    }
    set('ssh', 'pass', `${endpoints!.ssh.host}:${endpoints!.ssh.port} accepts the bot’s key.`);

    const markers = new Map<string, SetupMarker>();
    const outcome = await shell!.run(doctorScript(deps.volume, deps.dicomwebUrl ?? 'http://127.0.0.1:9', gate.digest), {
      timeoutMs: 60_000,
      ...(deps.signal ? { signal: deps.signal } : {}),
      onLine: (line) => {
        const marker = parseMarker(line);
        if (typeof marker?.['check'] === 'string') markers.set(marker['check'], marker);
        if (marker?.['gpu']) markers.set('gpu', marker);
      },
    });
    const process = markers.get('process');
    if (outcome.code === null || !process) block('process', 'The pod did not answer the check.', 'Run `/monai doctor` again; `/monai logs` shows the server’s log.');
    if (process!.status !== 'ok') block('process', 'MONAI Label is not running on the pod.', '`/monai restart` starts it; `/monai logs` shows why it stopped.');
    set('process', 'pass', `MONAI Label runs (pid ${process!.pid}).`);

    const gateProcess = markers.get('gate');
    const exposure = await deps.monai.exposure(root, deps.signal);
    if (exposure.kind === 'open') {
      const who = gateProcess?.status === 'ok' ? 'the gate is bypassed' : 'the gate is not running and something else holds the port';
      set('gate', 'fail', `${root}${exposure.path} answers HTTP ${exposure.status} without the secret URL: ${who}, so anyone can reach MONAI Label and, through it, Orthanc.`, '`/monai stop` now if you cannot fix it at once; `/monai restart` starts MONAI Label on loopback behind the gate again.');
    } else if (gateProcess?.status !== 'ok') {
      set('gate', 'fail', 'The gate on port 8000 is not running: MONAI Label cannot be reached, not even with the secret URL.', '`/monai restart` starts it again; `/monai logs` shows its last lines.');
    } else if (exposure.kind === 'refused') {
      set('gate', 'fail', `The gate runs on the pod (pid ${gateProcess.pid}), but ${root} does not answer from outside (${escapeSlack(exposure.reason)}).`, 'RunPod’s mapping of port 8000 may be broken: stop the pod and start it again.');
    } else if (gateProcess.settings !== 'match') {
      set('gate', 'fail', 'The gate runs with another secret URL or other blocked routes than the bot’s.', '`/monai restart` restarts it with the current ones.');
    } else {
      set('gate', 'pass', `Without the secret, ${root} answers a bare 404 to /, /info/, /openapi.json and /docs; the gate runs (pid ${gateProcess.pid}).`);
    }

    const models = deps.models;
    const info = await deps.monai.info(base, deps.signal);
    if (info.kind === 'ok') {
      set('info', 'pass', `${shown}/info/ answers: ${escapeSlack(info.info.name)}.`);
      const missing = models.includes('all') ? [] : models.filter((model) => !info.info.models.includes(model));
      if (missing.length > 0) set('models', 'fail', `Missing: ${missing.join(', ')}.`, 'Their weights may not have downloaded: check `/monai logs`, then `/monai restart`.');
      else set('models', 'pass', `${models.join(', ')} loaded.`);
      const torch = markers.get('torch');
      const gpu = markers.get('gpu');
      const facts = torch || gpu ? { torch: factText(torch?.['torch']), torchCuda: factText(torch?.['cuda']), gpuName: factText(gpu?.['name']), driverCuda: factText(gpu?.['cuda']) } : null;
      const verdict = deviceVerdict(info.info.device, facts);
      if (verdict.onGpu) set('gpu', 'pass', `MONAI Label runs on the GPU: ${escapeSlack(verdict.name)}.`);
      else set('gpu', 'warn', `MONAI Label runs on the CPU (slow): ${escapeSlack(verdict.reason)}.`, '`/monai troubleshoot cpu` explains the fix.');
    } else {
      const detail =
        info.kind === 'error'
          ? `${shown}/info/ fails (HTTP ${info.status}: ${escapeSlack(info.detail.slice(0, 200))}).`
          : `${shown}/info/ does not answer from outside (${escapeSlack(info.reason)}).`;
      set('info', 'fail', detail, info.kind === 'error' ? 'Usually the DICOMweb server: see its check below.' : 'It may still be starting: `/monai logs`. Otherwise `/monai restart`.');
      set('models', 'skip', 'Needs /info/.');
      set('gpu', 'skip', 'Needs /info/.');
    }

    const dicomweb = markers.get('dicomweb');
    const status = dicomweb?.status ?? 'error';
    if (!deps.dicomwebUrl) set('dicomweb', 'skip', 'DICOMWEB_URL is not set.', 'Set DICOMWEB_URL to the Orthanc DICOMweb root.');
    else if (status === '200' && dicomweb?.count === '0') set('dicomweb', 'warn', 'Orthanc answers, but lists no CT series.', 'Upload CT studies to Orthanc; Next Sample offers only CT series by default.');
    else if (status === '200' || status === '204') set('dicomweb', 'pass', `A QIDO-RS query from the pod answers (${dicomweb?.count ?? 0} CT series on the first page).`);
    else if (status === '401' || status === '403') set('dicomweb', 'fail', `Orthanc refused the credentials (HTTP ${status}).`, 'Check DICOMWEB_USERNAME and DICOMWEB_PASSWORD, then `/monai restart`.');
    else set('dicomweb', 'fail', `The pod cannot query ${new URL(deps.dicomwebUrl).host} (${status === 'error' ? dicomweb?.reason ?? 'no answer' : `HTTP ${status}`}).`, 'Check DICOMWEB_URL, that Orthanc accepts remote connections (RemoteAccessAllowed) and that the pod can reach it.');

    const disk = markers.get('disk');
    const freeGb = Number(disk?.avail_kb ?? NaN) / 1024 / 1024;
    const totalGb = Number(disk?.total_kb ?? NaN) / 1024 / 1024;
    if (!Number.isFinite(freeGb)) set('disk', 'warn', 'The pod did not report free space.', 'Run `/monai doctor` again.');
    else if (freeGb < deps.minFreeGb) set('disk', 'fail', `${freeGb.toFixed(1)} GB free of ${totalGb.toFixed(0)} GB on ${deps.volume}.`, 'pip and model downloads need room: delete old files, or use a bigger VOLUME_GB on a new pod.');
    else set('disk', 'pass', `${freeGb.toFixed(1)} GB free of ${totalGb.toFixed(0)} GB on ${deps.volume}.`);
  } catch (error) {
    if (!(error instanceof Blocked)) throw error;
    for (const result of results) if (result.status === 'pending') result.status = 'skip';
    report(results);
  } finally {
    shell?.close();
  }
  return results;
}

/** A value the pod printed, kept only when it looks like a version or a GPU name. */
function factText(value: SetupMarker[string]): string | null {
  return typeof value === 'string' && value !== 'none' && /^[A-Za-z0-9 ._()+-]{1,80}$/.test(value) ? value : null;
}
