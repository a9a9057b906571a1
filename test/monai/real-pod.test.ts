import { describe, expect, it } from 'vitest';
import { startScript, type ScriptSettings } from '../../src/monai/setup-script.js';
import { installScript } from '../../src/monai/stack-script.js';
import { NodeSshConnector } from '../../src/ssh/node-ssh.js';
import { systemClock } from '../../src/util/clock.js';
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
    const { harness } = pod;
    const connector = new NodeSshConnector({ privateKey: harness.sshKey.privateKey, user: harness.config.ssh.user, hostKeys: harness.store.hostKeys, clock: systemClock, logger: harness.logger, connectTimeoutMs: 10_000 });
    const shell = await connector.connect({ podId: simPod.id, host: ssh.ip, port: ssh.publicPort });
    const { monai } = harness.config;
    const gate = { token: (await harness.bot.gate()).token, blocked: monai.blockedRoutes };
    const settings: ScriptSettings = { volume: pod.volume, python: monai.python, version: monai.version, models: ['deepgrow_2d', 'deepgrow_3d'], sam2: false, dicomwebUrl: monai.dicomwebUrl!, dicomwebUsername: monai.dicomwebUsername, dicomwebPassword: monai.dicomwebPassword, gate };
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
      expect(markers(start.stdout)).toEqual([`@@monai-pod-bot gate=kept pid=${pod.gatePid()}`, `@@monai-pod-bot server=kept pid=${pid}`]);
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
    expect(pod.harness.sim.callsTo('resume')).toHaveLength(0);
    expect(pod.harness.sim.deployInputs).toHaveLength(1);
  }, 120_000);
});
