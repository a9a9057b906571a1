/**
 * The pinned install where it reruns pip or installs from nothing on another image (slow by
 * nature, so here rather than in every npm test): a venv from the unpinned install of before is
 * brought in line, and SAM 2 is built once on a torch 2.5.1 image. The proofs that need no new
 * pip work are in test/monai/python-stack.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackStamp } from '../../src/monai/python-stack.js';
import { installScript } from '../../src/monai/stack-script.js';
import { gpuFileText } from '../../src/sim/pod-image.js';
import { buildImage, imagePlan, podEnv, markerLines, podTools, runOnPod, scriptSettings, seedInstalledVenv } from '../helpers/pod-tools.js';

const run = promisify(execFile);

let dir: string;
let env: Record<string, string>;

const onPod = (script: string) => runOnPod(script, env);

/** What pip lists in the venv's own site-packages, as name==version (lower case). */
async function ownPackages(python: string, runEnv: Record<string, string>): Promise<string[]> {
  const site = (await run(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { env: runEnv })).stdout.trim();
  const { stdout } = await run(python, ['-m', 'pip', 'list', '--path', site, '--format=freeze'], { env: runEnv });
  return stdout.trim().split('\n').map((line) => line.toLowerCase());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'monai-installs-'));
  const gpuFile = join(dir, 'gpu.json');
  await writeFile(gpuFile, gpuFileText({ name: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' }));
  env = podEnv(podTools().image, podTools().wheels, { HOME: dir, SIMPOD_GPU_FILE: gpuFile });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the pinned install, rerun or from nothing', () => {
  it('a venv from the unpinned install of before (its own torch, no stamp) is brought in line: the image’s torch is used again', async () => {
    const volume = join(dir, 'unpinned');
    await seedInstalledVenv(volume);
    await rm(join(volume, '.monai-pod-bot', 'stack.txt'));
    const python = join(volume, 'venv', 'bin', 'python');
    await run(python, ['-m', 'pip', 'install', '--quiet', '--no-deps', 'torch==2.7.1', 'nvidia-cublas-cu12==12.6.4.1'], { env });
    const result = await onPod(installScript(scriptSettings(volume), await imagePlan(podTools().image)));

    expect(result.code).toBe(0);
    expect(markerLines(result.stdout)).toContain('@@monai-pod-bot step=pip state=begin');
    expect(result.stdout).toMatch(/Successfully uninstalled torch-2\.7\.1/);
    expect(result.stdout).toMatch(/Successfully uninstalled nvidia-cublas-cu12-12\.6\.4\.1/);
    const own = await ownPackages(python, env);
    expect(own.filter((entry) => /^torch==|^nvidia-/.test(entry))).toEqual([]);
    expect((await readFile(join(volume, '.monai-pod-bot', 'stack.txt'), 'utf8')).trim()).toBe(stackStamp('0.8.5'));
  }, 120_000);

  it('with MONAI_SAM2=true on a torch 2.5.1 image: SAM 2 is built once, against the image’s torch, and its wheel kept on the volume', async () => {
    const newer = await buildImage(podTools().choice, join(dir, 'torch-2.5.1'), { torch: '2.5.1', torchCuda: '12.4' });
    const volume = join(dir, 'sam2');
    const plan = { ...(await imagePlan(newer, '2.5.1')), sam2: true };
    const sam2Env = { ...env, PATH: `${newer.bin}:${env['PATH']!}` };
    const first = await runOnPod(installScript(scriptSettings(volume, { sam2: true }), plan), sam2Env);

    expect(first.code).toBe(0);
    expect(markerLines(first.stdout)).toEqual(expect.arrayContaining(['@@monai-pod-bot step=sam2 state=begin', '@@monai-pod-bot step=sam2 state=done', '@@monai-pod-bot check=pip status=ok']));
    expect(existsSync(join(volume, '.monai-pod-bot', 'wheels', 'sam2-1.1.0-py3-none-any.whl'))).toBe(true);
    const python = join(volume, 'venv', 'bin', 'python');
    const own = await ownPackages(python, sam2Env);
    expect(own).toContain('sam2==1.1.0');
    // The image's torch 2.5.1 pair is what SAM 2 got: no torch of its own in the venv.
    expect(own.filter((entry) => /^(torch|torchvision)==|^nvidia-/.test(entry))).toEqual([]);
    const again = await runOnPod(installScript(scriptSettings(volume, { sam2: true }), plan), sam2Env);
    expect(markerLines(again.stdout)).toContain('@@monai-pod-bot step=sam2 state=skip');
  }, 120_000);

});
