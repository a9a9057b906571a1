import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScript, type ScriptSettings } from '../../src/monai/setup-script.js';
import { installScript } from '../../src/monai/stack-script.js';
import { NodeSshConnector } from '../../src/ssh/node-ssh.js';
import { systemClock } from '../../src/util/clock.js';
import { runCommand, textOf } from '../helpers/harness.js';
import { ORTHANC_PASSWORD, readVolumeFile, startRealPod, type RealPod } from '../helpers/real-pod.js';

let pod: RealPod | undefined;
afterEach(async () => {
  await pod?.close();
  pod = undefined;
});

async function command(p: RealPod, text: string) {
  return (await runCommand(p.harness, text)).surface;
}

describe('MONAI Label on a real sshd and a real venv', () => {
  it('goes from nothing to a served /info/ and the Slicer steps; a resume installs nothing again', async () => {
    // RunPod may report the previous ports on the first read after a resume: they must not be posted.
    pod = await startRealPod({ simulator: { staleReadsAfterResume: true } });
    const first = await command(pod, 'start');

    const ready = textOf(first.posts[0]!.versions.at(-1)!);
    const simPod = pod.harness.sim.podByName('monai-label')!;
    const url = `http://127.0.0.1:${simPod.runtime!.ports.find((p) => p.privatePort === 8000 && p.isIpPublic)!.publicPort}`;
    expect(ready).toContain(`Paste into 3D Slicer:* \`${url}\``);
    expect(ready).toContain('Models:* deepgrow_2d, deepgrow_3d, deepgrow_pipeline');
    expect(ready).toContain('7 CT series in the datastore');
    expect(ready).toContain('Extensions Manager');
    expect(ready).toContain('*Runs on the GPU:* NVIDIA GeForce RTX 4090');
    // RunPod was asked for a host whose driver runs the image's CUDA 12.4 build.
    expect(pod.harness.sim.deployInputs[0]?.['minCudaVersion']).toBe('12.4');
    expect(ready).toContain('changes every time the pod is resumed');
    const info = (await (await fetch(`${url}/info/`)).json()) as { models: Record<string, unknown> };
    expect(Object.keys(info.models)).toContain('deepgrow_3d');
    // The deploy carried the bot's key for sshd, and the tutorial's pieces are on the volume.
    expect(pod.harness.sim.deployInputs[0]?.['env']).toContainEqual({ key: 'PUBLIC_KEY', value: pod.harness.sshKey.publicKey });
    expect(await readVolumeFile(pod, 'deepgrow.sh')).toContain(
      `exec monailabel start_server --app '${pod.volume}/venv/radiology' --studies '${pod.orthanc.url}' --conf models 'deepgrow_2d,deepgrow_3d' --conf sam2 false`,
    );
    const creds = join(pod.volume, '.monai-pod-bot', 'dicomweb.env');
    expect(statSync(creds).mode & 0o777).toBe(0o600);
    expect(statSync(join(pod.volume, '.monai-pod-bot')).mode & 0o777).toBe(0o700);
    expect(pod.events().map((event) => `${event.event}:${event.app ?? ''}`)).toEqual(['download:radiology', 'download:monaibundle', 'start_server:']);
    // The password went to the pod and nowhere else.
    expect(JSON.stringify(first.posts)).not.toContain(ORTHANC_PASSWORD);
    expect(pod.harness.logs()).not.toContain(ORTHANC_PASSWORD);

    await command(pod, 'stop');
    const again = await command(pod, 'start');

    const second = textOf(again.posts[0]!.versions.at(-1)!);
    expect(second).toContain('deepgrow_pipeline');
    expect(second).not.toContain(url);
    const conditions = again.posts[0]!.versions.flatMap((version) => JSON.stringify(version.blocks));
    expect(conditions.join()).not.toContain('Installing MONAI Label');
    expect(pod.events().map((event) => event.event)).toEqual(['download', 'download', 'start_server', 'start_server']);
  }, 300_000);

  it('runs the setup twice without a second install, download or server', async () => {
    pod = await startRealPod();
    await command(pod, 'start');
    const pid = pod.serverPid();
    const simPod = pod.harness.sim.podByName('monai-label')!;
    const ssh = simPod.runtime!.ports.find((p) => p.privatePort === 22 && p.isIpPublic)!;
    const { harness } = pod;
    const connector = new NodeSshConnector({ privateKey: harness.sshKey.privateKey, user: harness.config.ssh.user, hostKeys: harness.store.hostKeys, clock: systemClock, logger: harness.logger, connectTimeoutMs: 10_000 });
    const shell = await connector.connect({ podId: simPod.id, host: ssh.ip, port: ssh.publicPort });
    const { monai } = harness.config;
    const settings: ScriptSettings = { volume: pod.volume, python: monai.python, version: monai.version, models: ['deepgrow_2d', 'deepgrow_3d'], sam2: false, dicomwebUrl: monai.dicomwebUrl!, dicomwebUsername: monai.dicomwebUsername, dicomwebPassword: monai.dicomwebPassword };
    const markers = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('@@monai-pod-bot'));
    try {
      const install = await shell.run(installScript(settings, { python: pod.image.python, pythonVersion: '3.11.0', torch: '2.4.0', torchvision: '0.19.0', sam2: false }));
      expect(install.code).toBe(0);
      expect(markers(install.stdout)).toEqual([
        '@@monai-pod-bot step=venv state=skip',
        '@@monai-pod-bot step=pip state=skip',
        '@@monai-pod-bot step=check state=begin',
        '@@monai-pod-bot check=pip status=ok',
        '@@monai-pod-bot step=check state=done',
        '@@monai-pod-bot step=app-radiology state=skip',
        '@@monai-pod-bot step=app-monaibundle state=skip',
        '@@monai-pod-bot installed=0.8.5',
      ]);
      const start = await shell.run(startScript(settings, false));
      expect(start.code).toBe(0);
      expect(markers(start.stdout)).toEqual([`@@monai-pod-bot server=kept pid=${pid}`]);
    } finally {
      shell.close();
    }
    expect(pod.serverPid()).toBe(pid);
    expect(pod.events().filter((event) => event.event === 'start_server')).toHaveLength(1);
  }, 300_000);

  it('restarts MONAI Label, not the pod, for other models', async () => {
    pod = await startRealPod();
    await command(pod, 'start');
    const before = pod.serverPid();
    const surface = await command(pod, 'start deepedit');

    expect(textOf(surface.posts[0]!.versions.at(-1)!)).toContain('Models:* deepedit');
    expect(pod.serverPid()).not.toBe(before);
    expect(pod.harness.sim.callsTo('podResume')).toHaveLength(0);
    expect(pod.harness.sim.deployInputs).toHaveLength(1);
  }, 300_000);
});
