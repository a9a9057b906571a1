import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationView } from '../../src/pod/operation.js';
import { eventually, runCommand, want } from '../helpers/harness.js';
import { ORTHANC_PASSWORD, startRealPod, type RealPod } from '../helpers/real-pod.js';

let pod: RealPod | undefined;
afterEach(async () => {
  await pod?.close();
  pod = undefined;
});

const command = (p: RealPod, text: string) => runCommand(p.harness, text);

/** The outcome of a start, with its error in the assertion's message when it failed. */
async function startedPhase(p: RealPod): Promise<string> {
  const view = await startOp(p);
  return view.error ? `${view.phase}: ${view.error.code}: ${view.error.message}` : view.phase;
}

async function startOp(p: RealPod): Promise<OperationView> {
  const { request } = await want(p.harness, 'start');
  return request.done;
}

describe('SSH faults', () => {
  it('keeps trying while sshd refuses connections, then carries on', async () => {
    pod = await startRealPod({ sshdStartsLate: true });
    const view = await startOp(pod);
    expect(view.phase).toBe('succeeded');
    expect(pod.harness.logs()).toContain('ssh connected after retries');
  }, 120_000);

  it('refuses a pod whose host key changed without a resume, and says so', async () => {
    pod = await startRealPod();
    expect(await startedPhase(pod)).toBe('succeeded');
    await pod.sshd.stop();
    await pod.sshd.newHostKey();
    await pod.sshd.start();

    const { text } = await command(pod, 'logs 5');

    expect(text).toContain('presented the SSH host key SHA256:');
    expect(text).toContain('but the bot remembers SHA256:');
    expect(text).toContain('refused to connect');
  }, 120_000);

  it('learns the new host key of a container it resumed itself', async () => {
    pod = await startRealPod();
    expect(await startedPhase(pod)).toBe('succeeded');
    await command(pod, 'stop');
    await pod.sshd.stop();
    await pod.sshd.newHostKey();
    await pod.sshd.start();

    expect(await startedPhase(pod)).toBe('succeeded');
  }, 120_000);

  it('a disk that fills during the install: says so with the failing lines, names the settings to raise, and that the pod bills', async () => {
    pod = await startRealPod();
    await pod.faults({ downloadNoSpace: true });
    const { text } = await command(pod, 'start');
    expect(text).toContain('The disk filled up while installing MONAI Label (step: app-radiology): “No space left on device”.');
    expect(text).toContain('Raise VOLUME_GB');
    expect(text).toContain('CONTAINER_DISK_GB');
    expect(text).toContain('OSError: [Errno 28] No space left on device');
    expect(text).toContain('The pod is still running and billing $0.69/hr. `/monai stop` stops it.');
    expect(text).toContain('[Stop the pod] → type: /monai stop');
  }, 120_000);

  it('refuses MONAI_SAM2=true on a torch 2.4 image before installing anything, naming the image setting', async () => {
    pod = await startRealPod({ volume: 'empty', env: { MONAI_SAM2: 'true' } });
    const { text } = await command(pod, 'start');
    expect(text).toContain('MONAI_SAM2=true needs PyTorch 2.5.1 or newer for SAM 2, but the image’s torch is 2.4.0+cu124');
    expect(text).toContain('IMAGE_NAME=runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04');
    expect(text).toContain('The pod is still running and billing $0.69/hr. `/monai stop` stops it.');
    expect(existsSync(join(pod.volume, 'venv'))).toBe(false);
  }, 120_000);

  it('says MONAI Label runs on the CPU, and why, when the host’s driver is older than the torch build', async () => {
    // A custom image whose tag names no CUDA, with MIN_CUDA_VERSION set too low for its cu124 torch.
    pod = await startRealPod({ simulator: { hostCudaVersions: ['12.2', '12.8'] }, env: { IMAGE_NAME: 'lab/monai-image:1', MIN_CUDA_VERSION: '12.2' } });
    const { text } = await command(pod, 'start');
    expect(pod.harness.sim.deployRequests[0]?.minCudaVersion).toBe('12.2');
    expect(text).toContain('is ready');
    expect(text).toContain('MONAI Label runs on the *CPU*, so every click will be slow: the host’s NVIDIA driver is too old: it supports CUDA up to 12.2, and torch 2.4.0+cu124 was built for CUDA 12.4');
  }, 120_000);
});

describe('MONAI Label start-up faults', () => {
  it('reports “Application startup failed” at once with the log tail and a hint', async () => {
    pod = await startRealPod();
    await pod.faults({ failStartup: 'CUDA error: no kernel image is available for execution on the device' });
    const view = await startOp(pod);
    // At once: the log said so, long before MONAI_READY_TIMEOUT would have.
    expect(view.error?.code).toBe('MONAI_STARTUP_FAILED');
    expect(view.error?.details).toContain('RuntimeError: CUDA error: no kernel image');
    expect(view.error?.details).toContain('Application startup failed. Exiting.');
  }, 120_000);

  it('reports a server that dies while starting', async () => {
    pod = await startRealPod();
    await pod.faults({ startupDelaySeconds: 60 });
    const { request: op } = await want(pod.harness, 'start');
    const pid = await eventually(() => pod!.serverPid(), 60_000);
    await eventually(() => op.view.conditions.some((condition) => condition.type === 'MonaiStarted' && condition.status === 'True'), 60_000);
    process.kill(-(pid as number), 'SIGKILL');
    const view = await op.done;
    expect(view.error?.code).toBe('MONAI_DIED');
    expect(view.error?.message).toContain('stopped while it was starting');
  }, 120_000);

  it('waits for a slow start and says what it is waiting for', async () => {
    pod = await startRealPod();
    await pod.faults({ startupDelaySeconds: 3 });
    const seen = new Set<string>();
    const { request: op } = await want(pod.harness, 'start');
    op.subscribe((view) => view.conditions.forEach((condition) => seen.add(condition.message)));
    expect((await op.done).phase).toBe('succeeded');
    expect([...seen]).toContain('Waiting for MONAI Label to answer');
  }, 120_000);

  it('a download that hangs past MONAI_READY_TIMEOUT_MINUTES: the timeout names the install, not SSH', async () => {
    pod = await startRealPod({ env: { MONAI_READY_TIMEOUT_MINUTES: '0.5' } });
    await pod.faults({ downloadHangSeconds: 90 });
    const seen = new Set<string>();
    const { request } = await want(pod.harness, 'start');
    request.subscribe((view) => view.conditions.forEach((condition) => seen.add(condition.message)));
    const view = await request.done;
    expect(view.error?.code).toBe('MONAI_INSTALL_TIMEOUT');
    expect(view.error?.message).toContain('Installing MONAI Label on the volume did not finish within');
    expect(view.error?.message).toContain('The pod is still running and billing $0.69/hr.');
    expect(view.error?.action).toContain('carries on where it stopped');
    expect([...seen]).toContain('Downloading the radiology app');
  }, 120_000);

  it('names models whose weights did not load', async () => {
    pod = await startRealPod();
    await pod.faults({ missingModels: ['deepgrow_3d'] });
    const view = await startOp(pod);
    expect(view.error?.code).toBe('MONAI_MODELS_MISSING');
    expect(view.error?.message).toContain('without deepgrow_3d');
  }, 120_000);

  it('tells a DICOMweb refusal from a start-up problem, without showing the password', async () => {
    pod = await startRealPod({ env: { DICOMWEB_PASSWORD: 'wrong-password-123' } });
    const view = await startOp(pod);
    expect(view.error?.code).toBe('MONAI_DATASTORE_FAILED');
    expect(view.error?.message).toContain('MONAI Label runs, but /info/ fails (HTTP 500');
    expect(view.error?.action).toBe('Orthanc refused the credentials: check DICOMWEB_USERNAME and DICOMWEB_PASSWORD.');
    expect(JSON.stringify(view)).not.toContain('wrong-password-123');
    expect(JSON.stringify(view)).not.toContain(ORTHANC_PASSWORD);
  }, 120_000);
});

describe('logs and restart', () => {
  it('shows the last lines of the log privately, and restarts MONAI Label without touching the pod', async () => {
    pod = await startRealPod();
    expect(await startedPhase(pod)).toBe('succeeded');
    const logs = await command(pod, 'logs 3');
    expect(logs.surface.posts).toHaveLength(0);
    expect(logs.text).toContain('Last 3 lines of MONAI Label’s log');
    expect(logs.text).toContain('Uvicorn running on');

    const before = pod.serverPid();
    const restart = await command(pod, 'restart');
    expect(restart.text).toContain('is ready again');
    expect(pod.serverPid()).not.toBe(before);
    expect(pod.harness.sim.callsTo('resume')).toHaveLength(0);
    expect(pod.harness.sim.callsTo('stop')).toHaveLength(0);
  }, 120_000);

  it('refuses logs and restart while the pod is stopped', async () => {
    pod = await startRealPod();
    const logs = await command(pod, 'logs');
    expect(logs.text).toContain('is not running');
    const restart = await command(pod, 'restart');
    expect(restart.text).toContain('/monai start');
  }, 60_000);
});
