import { describe, expect, it } from 'vitest';
import { setupScript } from '../../src/monai/setup-script.js';
import { scriptSettings } from '../../src/monai/bring-up.js';
import { textOf } from '../helpers/harness.js';
import { podCommand, startRealPodForTest } from '../helpers/real-pod.js';


/** On a volume a previous start installed (the fresh install from nothing is in test/e2e/fresh-install.test.ts). */
describe('MONAI Label on the pod’s SSH server and venv', () => {
  it('runs the setup twice without a second install, download or server', async () => {
    const pod = await startRealPodForTest();
    await podCommand(pod, 'start');
    const pid = pod.serverPid();
    const simPod = pod.harness.sim.podByName('monai-label')!;
    const ssh = simPod.runtime!.ports.find((p) => p.privatePort === 22 && p.isIpPublic)!;
    const shell = await pod.harness.bot.connector.connect({ podId: simPod.id, host: ssh.ip, port: ssh.publicPort });
    try {
      const settings = scriptSettings({ settings: pod.harness.config.monai, volume: pod.volume }, ['deepgrow_2d', 'deepgrow_3d'], false);
      const result = await shell.run(setupScript(settings));
      expect(result.code).toBe(0);
      const markers = result.stdout.split('\n').filter((line) => line.startsWith('@@monai-pod-bot'));
      expect(markers).toEqual([
        '@@monai-pod-bot step=venv state=skip',
        '@@monai-pod-bot step=pip state=skip',
        '@@monai-pod-bot step=app-radiology state=skip',
        '@@monai-pod-bot step=app-monaibundle state=skip',
        `@@monai-pod-bot server=kept pid=${pid}`,
      ]);
    } finally {
      shell.close();
    }
    expect(pod.serverPid()).toBe(pid);
    expect(pod.events().filter((event) => event.event === 'start_server')).toHaveLength(1);
  }, 120_000);

  it('restarts MONAI Label, not the pod, for other models', async () => {
    const pod = await startRealPodForTest();
    await podCommand(pod, 'start');
    const before = pod.serverPid();
    const surface = await podCommand(pod, 'start deepedit');

    expect(textOf(surface.posts[0]!.versions.at(-1)!)).toContain('Models:* deepedit');
    expect(pod.serverPid()).not.toBe(before);
    expect(pod.harness.sim.callsTo('podResume')).toHaveLength(0);
    expect(pod.harness.sim.deployInputs).toHaveLength(1);
  }, 120_000);
});
