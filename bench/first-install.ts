// What a first /monai start downloads on the default image, from pip's own dry-run report against
// stubs of the real packages; sizes from the table of real wheel sizes in src/sim/pypi/packages.ts.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { releasePins } from '../src/monai/pins.js';
import { constraintsText, pipCommands, requirementsText, stackPaths, type InstallPlan } from '../src/monai/python-stack.js';
import { buildPodImage } from '../src/sim/pod-image.js';
import { buildStubIndex } from '../src/sim/pypi/index.js';
import { wheelSizeMb } from '../src/sim/pypi/packages.js';
import type { Figure } from './stats.js';

const run = promisify(execFile);
const TORCH_OR_CUDA = /^(torch|torchvision|triton)$|^nvidia-/;

export async function firstInstall(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'monai-bench-install-'));
  try {
    const index = await buildStubIndex({ outDir: join(dir, 'index') });
    const image = await buildPodImage({ dir: join(dir, 'image'), torch: '2.4.0', torchCuda: '12.4' });
    const volume = join(dir, 'volume');
    const env = { PATH: `${image.bin}:/usr/bin:/bin`, HOME: dir, PIP_NO_INDEX: '1', PIP_FIND_LINKS: index, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
    await run(image.python, ['-m', 'venv', '--system-site-packages', join(volume, 'venv')], { env });
    const python = join(volume, 'venv', 'bin', 'python');
    const plan: InstallPlan = { python: image.python, pythonVersion: '3.11.0', torch: '2.4.0', torchvision: '0.19.0', sam2: false };
    const files = stackPaths(volume);
    await mkdir(files.wheels, { recursive: true });
    await writeFile(files.constraints, constraintsText(releasePins('0.8.5'), plan));
    await writeFile(files.requirements, requirementsText(releasePins('0.8.5')));
    const downloads = async (argv: readonly string[]) => {
      const report = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
      await run(python, [...argv.slice(1), '--dry-run', '--report', report, '--quiet'], { env, maxBuffer: 1 << 24 });
      return (JSON.parse(await readFile(report, 'utf8')) as { install: { metadata: { name: string; version: string } }[] }).install.map(({ metadata }) => metadata);
    };
    const commands = pipCommands('0.8.5', plan, files);
    const pinned = [...(await downloads(commands.monailabel)), ...(await downloads(commands.requirements))];
    const unpinned = await downloads(['python', '-m', 'pip', 'install', 'monailabel==0.8.5']);
    const size = (packages: { name: string; version: string }[]) => packages.reduce((sum, pkg) => sum + (wheelSizeMb(pkg.name, pkg.version) ?? 0), 0);
    const torchWheels = pinned.filter((pkg) => TORCH_OR_CUDA.test(pkg.name.toLowerCase()));
    return [
      { name: 'first start on the default image: packages pip downloads (pinned)', value: pinned.length, unit: '', target: 'no torch/CUDA wheels among them', ok: torchWheels.length === 0 },
      { name: 'first start on the default image: declared download size (pinned)', value: size(pinned), unit: ' MB', target: '≤ 1000 MB, no torch/CUDA wheels', ok: torchWheels.length === 0 && size(pinned) <= 1000 },
      { name: 'for comparison, the unpinned pip install of before: packages / size', value: size(unpinned), unit: ` MB in ${unpinned.length} packages`, target: 'no goal: what the pins avoid', ok: true, info: true },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
