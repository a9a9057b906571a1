/**
 * The pod's Python stack, proven against stubs of the real packages (src/sim/pypi): what pip
 * resolves for the bot's install command (a dry run with --report, on a real venv, with real pip),
 * what the setup script finds on a pod made of an image, and the install the run's pods start from
 * (the bot's own install script, run once per test run by test/global-setup.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasePins } from '../../src/monai/pins.js';
import { constraintsText, pipCommands, requirementsText, stackPaths, stackStamp, type InstallPlan } from '../../src/monai/python-stack.js';
import { installScript, probeScript } from '../../src/monai/stack-script.js';
import { gpuFileText, type PodImage } from '../../src/sim/pod-image.js';
import { buildImage, DEFAULT_IMAGE, imagePlan, podEnv, markerLines, podTools, runOnPod, scriptSettings, seedInstalledVenv } from '../helpers/pod-tools.js';

const run = promisify(execFile);

let dir: string;
let image: PodImage;
let env: Record<string, string>;

const onPod = (script: string) => runOnPod(script, env);

/** What pip lists in one site-packages folder, as name==version (lower case). */
async function listed(python: string, site: string): Promise<string[]> {
  const { stdout } = await run(python, ['-m', 'pip', 'list', '--path', site, '--format=freeze'], { env });
  return stdout.trim().split('\n').map((line) => line.toLowerCase());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'monai-python-stack-'));
  // This file's own image: a test below takes its python3 away.
  image = await buildImage(podTools().choice, join(dir, 'image'), DEFAULT_IMAGE);
  const gpuFile = join(dir, 'gpu.json');
  await writeFile(gpuFile, gpuFileText({ name: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' }));
  // The pod as the setup script sees it: the image's Python first on PATH, pip's index the stubs.
  env = podEnv(image, podTools().wheels, { HOME: dir, PIP_CACHE_DIR: join(dir, 'pip-cache'), SIMPOD_GPU_FILE: gpuFile });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// pip's own resolver, run for real: only where this machine has Python (the Node stand-in's pip is not the proof).
if (podTools().choice.python.kind === 'python') {
  describe('the install, resolved by pip against stubs of the real packages (dry run on a real venv)', () => {
    let venvPython: string;
    let plan: InstallPlan;
    let files: ReturnType<typeof stackPaths>;

    /** A pip report's install list as name==version. */
    async function dryRun(argv: readonly string[]): Promise<string[]> {
      const report = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
      await run(venvPython, [...argv.slice(1), '--dry-run', '--report', report, '--quiet'], { env, maxBuffer: 1 << 24 });
      const parsed = JSON.parse(await readFile(report, 'utf8')) as { install: { metadata: { name: string; version: string } }[] };
      return parsed.install.map(({ metadata }) => `${metadata.name.toLowerCase()}==${metadata.version}`);
    }
    const named = (installs: string[], pattern: RegExp) => installs.filter((entry) => pattern.test(entry));

    beforeAll(async () => {
      const volume = join(dir, 'dry');
      await run(image.python, ['-m', 'venv', '--system-site-packages', join(volume, 'venv')], { env });
      venvPython = join(volume, 'venv', 'bin', 'python');
      plan = await imagePlan(image);
      files = stackPaths(volume);
      await mkdir(files.wheels, { recursive: true });
      const pins = releasePins('0.8.5');
      await writeFile(files.constraints, constraintsText(pins, plan));
      await writeFile(files.requirements, requirementsText(pins));
    }, 120_000);

    it('documents the problem: the unpinned install of before resolves to a second torch with its CUDA wheels, SAM 2 and pydicom 3', async () => {
      const installs = await dryRun(['python', '-m', 'pip', 'install', 'monailabel==0.8.5']);

      expect(named(installs, /^torch==/)).toEqual(['torch==2.7.1']);
      expect(named(installs, /^nvidia-/).length).toBeGreaterThan(10);
      expect(installs).toContain('sam2==1.1.0');
      expect(installs).toContain('monai==1.5.1');
      expect(installs).toContain('pydicom==3.0.1');
    });

    it('the bot’s commands resolve to no torch, torchvision, nvidia-* or sam2; MONAI 1.4.0, pydicom 2.4.4, NumPy 1.x', async () => {
      const commands = pipCommands('0.8.5', plan, files);
      const monailabel = await dryRun(commands.monailabel);
      const requirements = await dryRun(commands.requirements);

      expect(monailabel).toEqual(['monailabel==0.8.5']);
      expect(named(requirements, /^(torch|torchvision|triton|sam2)==|^nvidia-/)).toEqual([]);
      expect(requirements).toContain('monai==1.4.0');
      expect(requirements).toContain('pydicom==2.4.4');
      // NumPy: the image's 1.26 is kept, or a 1.x is added; never 2.x.
      expect(named(requirements, /^numpy==2/)).toEqual([]);
      // The setup script runs exactly these commands.
      const script = installScript(scriptSettings(join(dir, 'dry')), plan);
      for (const command of [commands.monailabel, commands.requirements, commands.check]) expect(script).toContain(command.join(' '));
    });
  });
}

describe('the SAM 2 step', () => {
  it('with MONAI_SAM2=true on a torch 2.5.1 image, builds SAM 2 once without build isolation into the volume', () => {
    const files = stackPaths('/workspace');
    const plan: InstallPlan = { python: '/usr/bin/python3', pythonVersion: '3.11.10', torch: '2.5.1', torchvision: '0.20.1', sam2: true };
    const commands = pipCommands('0.8.5', plan, files);
    expect(commands.sam2Build).toEqual(expect.arrayContaining(['wheel', '--no-build-isolation', '--no-deps', '-w', files.wheels, 'sam2==1.1.0']));
    const script = installScript(scriptSettings('/workspace'), plan);
    expect(script).toContain(commands.sam2Build.join(' '));
    expect(script).toContain(commands.sam2Install.join(' '));
    // Without SAM 2 wanted, no step builds or installs it.
    expect(installScript(scriptSettings('/workspace'), { ...plan, sam2: false })).not.toMatch(/pip (wheel|install) .*sam2/);
  });
});

describe('the setup script on a pod made of the image', () => {
  it('finds the Python that can import torch, not the first one on PATH, and reads its torch pair and the GPU', async () => {
    const other = await buildImage(podTools().choice, join(dir, 'no-torch'), { ...DEFAULT_IMAGE, commands: ['python3'] });
    await rm(join(other.sitePackages, 'torch'), { recursive: true });
    await rm(join(other.sitePackages, 'torch-2.4.0+cu124.dist-info'), { recursive: true });
    await rm(join(image.bin, 'python3'));
    const saved = env['PATH']!;
    // python3 is a Python without torch (first on PATH); python is the image's, with torch.
    env['PATH'] = `${other.bin}:${saved}`;
    try {
      const probe = await onPod(probeScript(scriptSettings(join(dir, 'probed'))));
      const lines = markerLines(probe.stdout);
      expect(lines.find((line) => line.includes('cmd=python3 '))).toMatch(/found=yes .*torch=none/);
      expect(lines.find((line) => line.includes('cmd=python '))).toMatch(/found=yes path=\S+ version=3\.\d+\.\d+ torch=2\.4\.0\+cu124 torchvision=0\.19\.0\+cu124 cuda=12\.4/);
      expect(lines).toContain('@@monai-pod-bot gpu name="NVIDIA GeForce RTX 4090" cuda=12.8');
      expect(lines.find((line) => line.includes(' disk '))).toMatch(/volume_kb=\d+ container_kb=\d+/);
    } finally {
      env['PATH'] = saved;
      await run('ln', ['-s', image.python, join(image.bin, 'python3')]);
    }
  });

  it('the install the run’s pods start from (the bot’s script, run once per run): pins held, pip’s files on the volume, pip check passed', async () => {
    const { templateVolume, templateInstall, image: podImage } = podTools();
    expect(markerLines(templateInstall)).toEqual(expect.arrayContaining(['@@monai-pod-bot step=pip state=done', '@@monai-pod-bot check=pip status=ok', '@@monai-pod-bot installed=0.8.5']));
    const venvPython = join(templateVolume, 'venv', 'bin', 'python');
    const own = await listed(venvPython, (await run(venvPython, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { env })).stdout.trim());
    // The image's torch pair and CUDA wheels stay the image's: nothing of them in the venv.
    expect(own.filter((entry) => /^(torch|torchvision|triton|sam2)==|^nvidia-/.test(entry))).toEqual([]);
    expect(own).toEqual(expect.arrayContaining(['monailabel==0.8.5', 'monai==1.4.0', 'pydicom==2.4.4']));
    expect(own.filter((entry) => /^numpy==2/.test(entry))).toEqual([]);
    expect(await listed(venvPython, podImage.sitePackages)).toEqual(expect.arrayContaining(['torch==2.4.0+cu124', 'torchvision==0.19.0+cu124']));
    // pip's cache and temporary folders were made on the volume, and the pins' stamp written.
    expect(existsSync(join(templateVolume, '.cache', 'pip'))).toBe(true);
    expect(existsSync(join(templateVolume, '.monai-pod-bot', 'tmp'))).toBe(true);
    expect((await readFile(join(templateVolume, '.monai-pod-bot', 'stack.txt'), 'utf8')).trim()).toBe(stackStamp('0.8.5'));
  });

  it('a broken requirement among the installed packages fails the install with pip’s line', async () => {
    const volume = join(dir, 'broken');
    await seedInstalledVenv(volume);
    const python = join(volume, 'venv', 'bin', 'python');
    await run(python, ['-m', 'pip', 'uninstall', '-y', '--quiet', 'pydantic-core'], { env });
    const result = await onPod(installScript(scriptSettings(volume), await imagePlan(podTools().image)));

    expect(markerLines(result.stdout)).toContain('@@monai-pod-bot step=pip state=skip');
    expect(result.code).toBe(4);
    expect(markerLines(result.stdout)).toContain('@@monai-pod-bot check=pip status=failed');
    expect(result.stderr).toContain('pydantic 2.7.0 requires pydantic-core, which is not installed.');
  });
});
