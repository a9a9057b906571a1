/**
 * The whole way from a new, empty volume: the venv is created from the image's Python and MONAI
 * Label installed with its pinned dependencies by pip over SSH, as on a pod's first start (the slow
 * part the other pod tests skip by starting from the volume installed once per run).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackStamp } from '../../src/monai/python-stack.js';
import { textOf } from '../helpers/harness.js';
import { ORTHANC_PASSWORD, podCommand, readVolumeFile, startRealPodForTest } from '../helpers/real-pod.js';


describe('a first start on an empty volume', () => {
  it('goes from nothing to a served /info/ and the Slicer steps; a resume installs nothing again', async () => {
    // RunPod may report the previous ports on the first read after a resume: they must not be posted.
    const pod = await startRealPodForTest({ volume: 'empty', simulator: { staleReadsAfterResume: true } });
    const first = await podCommand(pod, 'start');

    const ready = textOf(first.posts[0]!.versions.at(-1)!);
    // The setup made the venv and pip installed MONAI Label into it, on the volume.
    expect(statSync(join(pod.volume, 'venv', 'pyvenv.cfg')).isFile()).toBe(true);
    expect(await readVolumeFile(pod, 'venv/bin/monailabel')).toMatch(/monailabel/);
    const simPod = pod.harness.sim.podByName('monai-label')!;
    const { token } = await pod.harness.bot.gate();
    const url = `http://127.0.0.1:${simPod.runtime!.ports.find((p) => p.privatePort === 8000 && p.isIpPublic)!.publicPort}/${token}/`;
    expect(ready).toContain(`Paste into 3D Slicer:* \`${url}\``);
    expect(ready).toContain('Models:* deepgrow_2d, deepgrow_3d, deepgrow_pipeline');
    expect(ready).toContain('7 CT series in the datastore');
    expect(ready).toContain('Extensions Manager');
    expect(ready).toContain('its port changes when the pod is resumed');
    // RunPod was asked for a host whose driver runs the image's CUDA 12.4 build, and MONAI Label sees the GPU.
    expect(pod.harness.sim.deployRequests[0]?.minCudaVersion).toBe('12.4');
    expect(ready).toContain('*Runs on the GPU:* NVIDIA GeForce RTX 4090');
    // The pinned install, with the image's torch: nothing of torch in the venv, the pins' stamp written.
    const steps = first.posts[0]!.versions.map((version) => textOf(version)).join('\n');
    expect(steps).toContain('Installing MONAI Label with pinned dependencies');
    expect(steps).toContain('Checking the installed packages (pip check)');
    expect(readdirSync(join(pod.volume, 'venv', 'lib', readdirSync(join(pod.volume, 'venv', 'lib'))[0]!, 'site-packages')).filter((entry) => /^(torch|nvidia)/.test(entry))).toEqual([]);
    expect(await readVolumeFile(pod, '.monai-pod-bot/stack.txt')).toBe(`${stackStamp('0.8.5')}\n`);
    const info = (await (await fetch(`${url}info/`)).json()) as { models: Record<string, unknown> };
    expect(Object.keys(info.models)).toContain('deepgrow_3d');
    // The deploy carried the bot's key for sshd, and the tutorial's pieces are on the volume.
    expect(pod.harness.sim.deployRequests[0]?.env).toContainEqual({ key: 'PUBLIC_KEY', value: pod.harness.sshKey.publicKey });
    expect(await readVolumeFile(pod, 'deepgrow.sh')).toContain(
      `exec monailabel start_server --app '${pod.volume}/venv/radiology' --studies '${pod.orthanc.url}' --conf models 'deepgrow_2d,deepgrow_3d' --conf sam2 false --host 127.0.0.1 --port 8001`,
    );
    const creds = join(pod.volume, '.monai-pod-bot', 'dicomweb.env');
    expect(statSync(creds).mode & 0o777).toBe(0o600);
    expect(statSync(join(pod.volume, '.monai-pod-bot')).mode & 0o777).toBe(0o700);
    // The gate's configuration holds the token: root-only too.
    expect(statSync(join(pod.volume, '.monai-pod-bot', 'gate.json')).mode & 0o777).toBe(0o600);
    expect(pod.events().map((event) => `${event.event}:${event.app ?? ''}`)).toEqual(['download:radiology', 'download:monaibundle', 'start_server:']);
    // The password went to the pod and nowhere else.
    expect(JSON.stringify(first.posts)).not.toContain(ORTHANC_PASSWORD);
    expect(pod.harness.logs()).not.toContain(ORTHANC_PASSWORD);

    await podCommand(pod, 'stop');
    const again = await podCommand(pod, 'start');

    const second = textOf(again.posts[0]!.versions.at(-1)!);
    expect(second).toContain('deepgrow_pipeline');
    expect(second).not.toContain(url);
    expect(second).toContain(`/${token}/`);
    const conditions = again.posts[0]!.versions.flatMap((version) => JSON.stringify(version.blocks));
    expect(conditions.join()).not.toContain('Installing MONAI Label');
    expect(pod.events().map((event) => event.event)).toEqual(['download', 'download', 'start_server', 'start_server']);
  }, 120_000);
});
