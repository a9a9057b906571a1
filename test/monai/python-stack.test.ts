import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { releasePins } from '../../src/monai/pins.js';
import { constraintsText, pipCommands, requirementsText, stackPaths, type InstallPlan } from '../../src/monai/python-stack.js';
import type { ScriptSettings } from '../../src/monai/setup-script.js';
import { installScript, probeScript } from '../../src/monai/stack-script.js';
import { buildPodImage, gpuFileText, type PodImage } from '../../src/sim/pod-image.js';

const run = promisify(execFile);

let dir: string;
let image: PodImage;
let env: Record<string, string>;

/** A pip report's install list as name==version. */
async function dryRun(python: string, argv: readonly string[]): Promise<string[]> {
  const report = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  await run(python, [...argv.slice(1), '--dry-run', '--report', report, '--quiet'], { env, maxBuffer: 1 << 24 });
  const parsed = JSON.parse(await readFile(report, 'utf8')) as { install: { metadata: { name: string; version: string } }[] };
  return parsed.install.map(({ metadata }) => `${metadata.name.toLowerCase()}==${metadata.version}`);
}

const named = (installs: string[], pattern: RegExp) => installs.filter((entry) => pattern.test(entry));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'monai-python-stack-'));
  image = await buildPodImage({ dir: join(dir, 'image'), torch: '2.4.0', torchCuda: '12.4' });
  const gpuFile = join(dir, 'gpu.json');
  await writeFile(gpuFile, gpuFileText({ name: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' }));
  // The pod as the setup script sees it: the image's Python first on PATH, pip's index the stubs.
  env = {
    PATH: `${image.bin}:/usr/local/bin:/usr/bin:/bin`,
    HOME: dir,
    LANG: 'C.UTF-8',
    PIP_NO_INDEX: '1',
    PIP_FIND_LINKS: inject('stubIndex'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_CACHE_DIR: join(dir, 'pip-cache'),
    SIMPOD_GPU_FILE: gpuFile,
  };
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the install, resolved by pip against stubs of the real packages (dry run on a real venv)', () => {
  let venvPython: string;
  let plan: InstallPlan;
  let files: ReturnType<typeof stackPaths>;

  beforeAll(async () => {
    const volume = join(dir, 'dry');
    await run(image.python, ['-m', 'venv', '--system-site-packages', join(volume, 'venv')], { env });
    venvPython = join(volume, 'venv', 'bin', 'python');
    plan = { python: image.python, pythonVersion: '3.11.0', torch: '2.4.0', torchvision: '0.19.0', sam2: false };
    files = stackPaths(volume);
    await mkdir(files.wheels, { recursive: true });
    const pins = releasePins('0.8.5');
    await writeFile(files.constraints, constraintsText(pins, plan));
    await writeFile(files.requirements, requirementsText(pins));
  }, 180_000);

  it('documents the problem: the unpinned install of today resolves to a second torch with its CUDA wheels, SAM 2 and pydicom 3', async () => {
    const installs = await dryRun(venvPython, ['python', '-m', 'pip', 'install', 'monailabel==0.8.5']);

    expect(named(installs, /^torch==/)).toEqual(['torch==2.7.1']);
    expect(named(installs, /^nvidia-/).length).toBeGreaterThan(10);
    expect(installs).toContain('sam2==1.1.0');
    expect(installs).toContain('monai==1.5.1');
    expect(installs).toContain('pydicom==3.0.1');
  }, 180_000);

  it('the bot’s commands resolve to no torch, torchvision, nvidia-* or sam2; MONAI 1.4.0, pydicom 2.4.4, NumPy 1.x', async () => {
    const commands = pipCommands('0.8.5', plan, files);
    const monailabel = await dryRun(venvPython, commands.monailabel);
    const requirements = await dryRun(venvPython, commands.requirements);

    expect(monailabel).toEqual(['monailabel==0.8.5']);
    expect(named(requirements, /^(torch|torchvision|triton|sam2)==|^nvidia-/)).toEqual([]);
    expect(requirements).toContain('monai==1.4.0');
    expect(requirements).toContain('pydicom==2.4.4');
    // NumPy: the image's 1.26 is kept, or a 1.x is added; never 2.x.
    expect(named(requirements, /^numpy==2/)).toEqual([]);
    // The setup script runs exactly these commands.
    const script = installScript(settings(join(dir, 'dry')), plan);
    for (const command of [commands.monailabel, commands.requirements, commands.check]) expect(script).toContain(command.join(' '));
  }, 180_000);

  it('with MONAI_SAM2=true on a torch 2.5.1 image, SAM 2 is built without build isolation into the volume, and still no torch is fetched', async () => {
    const sam2Plan = { ...plan, torch: '2.5.1', torchvision: '0.20.1', sam2: true };
    const commands = pipCommands('0.8.5', sam2Plan, files);
    expect(commands.sam2Build).toEqual(expect.arrayContaining(['wheel', '--no-build-isolation', '--no-deps', '-w', files.wheels, 'sam2==1.1.0']));
    expect(installScript(settings(join(dir, 'dry')), sam2Plan)).toContain(commands.sam2Build.join(' '));
  });
});

function settings(volume: string): ScriptSettings {
  return { volume, python: null, version: '0.8.5', models: ['deepgrow_2d', 'deepgrow_3d'], sam2: false, dicomwebUrl: 'http://127.0.0.1:9/dicom-web' };
}

/** Runs a script the bot sends to the pod with bash here, in the pod's environment. */
async function onPod(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = execFile('bash', ['-s'], { env, maxBuffer: 1 << 24 });
  child.stdin?.end(script);
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const markers = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('@@monai-pod-bot'));

describe('the setup script on a pod made of the image', () => {
  const volume = () => join(dir, 'volume');

  it('finds the Python that can import torch, not the first one on PATH, and reads its torch pair and the GPU', async () => {
    const other = await buildPodImage({ dir: join(dir, 'no-torch'), torch: '2.4.0', torchCuda: '12.4', commands: ['python3'] });
    await rm(join(other.sitePackages, 'torch'), { recursive: true });
    await rm(join(other.sitePackages, 'torch-2.4.0+cu124.dist-info'), { recursive: true });
    await rm(join(image.bin, 'python3'));
    const saved = env['PATH']!;
    // python3 is a Python without torch (first on PATH); python is the image's, with torch.
    env['PATH'] = `${other.bin}:${saved}`;
    try {
      const probe = await onPod(probeScript(settings(volume())));
      const lines = markers(probe.stdout);
      expect(lines.find((line) => line.includes('cmd=python3 '))).toMatch(/found=yes .*torch=none/);
      expect(lines.find((line) => line.includes('cmd=python '))).toMatch(/found=yes path=\S+ version=3\.\d+\.\d+ torch=2\.4\.0\+cu124 torchvision=0\.19\.0\+cu124 cuda=12\.4/);
      expect(lines).toContain('@@monai-pod-bot gpu name="NVIDIA GeForce RTX 4090" cuda=12.8');
      expect(lines.find((line) => line.includes(' disk '))).toMatch(/volume_kb=\d+ container_kb=\d+/);
    } finally {
      env['PATH'] = saved;
      await run('ln', ['-s', image.python, join(image.bin, 'python3')]);
    }
  }, 60_000);

  it('installs with the pins, keeps pip’s cache and temp files on the volume, and pip check passes', async () => {
    const plan: InstallPlan = { python: image.python, pythonVersion: '3.11.0', torch: '2.4.0', torchvision: '0.19.0', sam2: false };
    const result = await onPod(installScript(settings(volume()), plan));

    expect(result.stderr).not.toContain('pip check');
    expect(result.code).toBe(0);
    expect(markers(result.stdout)).toContain('@@monai-pod-bot check=pip status=ok');
    expect(markers(result.stdout)).toContain('@@monai-pod-bot installed=0.8.5');
    const torch = await run(join(volume(), 'venv', 'bin', 'python'), ['-c', 'import torch, importlib.metadata as m; print(torch.__file__, m.version("monai"), m.version("pydicom"))'], { env });
    // The image's torch, not one in the venv.
    expect(torch.stdout).toContain(image.sitePackages);
    expect(torch.stdout).toContain('1.4.0 2.4.4');
    // pip's cache and temporary folders were made on the volume (the script exports them there).
    const folders = await run('find', [join(volume(), '.cache', 'pip'), join(volume(), '.monai-pod-bot', 'tmp'), '-maxdepth', '0', '-type', 'd']);
    expect(folders.stdout.trim().split('\n')).toHaveLength(2);
  }, 300_000);

  it('a broken requirement among the installed packages fails the install with pip’s line', async () => {
    const plan: InstallPlan = { python: image.python, pythonVersion: '3.11.0', torch: '2.4.0', torchvision: '0.19.0', sam2: false };
    await run(join(volume(), 'venv', 'bin', 'python'), ['-m', 'pip', 'uninstall', '-y', '--quiet', 'pydantic-core'], { env });
    const result = await onPod(installScript(settings(volume()), plan));

    expect(result.code).toBe(4);
    expect(markers(result.stdout)).toContain('@@monai-pod-bot check=pip status=failed');
    expect(result.stderr).toContain('pydantic 2.7.0 requires pydantic-core, which is not installed.');
  }, 120_000);
});
