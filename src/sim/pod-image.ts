import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeWrapper } from './nopython/launcher.js';
import { PYTHON_VERSION } from './nopython/venv.js';
import { IMAGE_PACKAGES, normalize, stubPackages } from './pypi/packages.js';

const run = promisify(execFile);

export interface PodImageOptions {
  /** Where the image's files go (created). */
  dir: string;
  /**
   * What the image's interpreter is made from: this machine's Python (3.9–3.13, default python3),
   * or, where there is none, the Node stand-in (src/sim/nopython) run by `program` (default: this copy).
   */
  interpreter?: { kind: 'python'; executable: string } | { kind: 'node'; program?: readonly string[] };
  /** The image's PyTorch: its packages as RunPod's PyTorch image has them. */
  torch: keyof typeof IMAGE_PACKAGES;
  /** The CUDA the torch build targets (torch.version.cuda), e.g. "12.4"; null: a CPU-only build. */
  torchCuda: string | null;
  /** Names the interpreter answers to on PATH. Default python3 and python. */
  commands?: readonly string[];
}

export interface PodImage {
  /** Put first on the pod's PATH: the interpreter's names and nvidia-smi. */
  bin: string;
  python: string;
  sitePackages: string;
}

/** The pod's GPU as the driver would show it, written per boot into the file SIMPOD_GPU_FILE names. */
export interface PodGpu {
  name: string;
  driverCuda: string;
}

export function gpuFileText(gpu: PodGpu): string {
  return `${JSON.stringify({ name: gpu.name, driverCuda: gpu.driverCuda })}\n`;
}

/**
 * What a RunPod PyTorch image gives the bot, on this machine: a system Python (this machine's
 * interpreter, its standard library linked in, its own empty site-packages; or the Node stand-in,
 * whose site-packages are the image folder's) with the image's
 * torch stack installed as metadata-only stubs, a torch module that reports its CUDA build and
 * sees the GPU only when the driver is new enough, and an nvidia-smi reading the same GPU file.
 * A venv made from it with --system-site-packages sees the image's torch and nothing of this
 * machine's own packages, as on a pod.
 */
export async function buildPodImage(options: PodImageOptions): Promise<PodImage> {
  const interpreter = options.interpreter ?? { kind: 'python', executable: 'python3' };
  const bin = join(options.dir, 'bin');
  await mkdir(bin, { recursive: true });
  const { python, sitePackages } = interpreter.kind === 'python' ? await copyPython(interpreter.executable, options.dir) : await nodePython(options.dir, interpreter.program);
  await mkdir(sitePackages, { recursive: true });
  await installImagePackages(sitePackages, options.torch, options.torchCuda);
  for (const name of options.commands ?? ['python3', 'python']) await symlink(python, join(bin, name));
  await writeFile(join(bin, 'nvidia-smi'), NVIDIA_SMI, { mode: 0o755 });
  return { bin, python, sitePackages };
}

/** CPython: a copy of the machine's interpreter with its standard library linked in, and its own empty site-packages. */
async function copyPython(host: string, dir: string): Promise<{ python: string; sitePackages: string }> {
  const { stdout } = await run(host, ['-c', 'import os, sys, sysconfig; print(os.path.realpath(sys.executable)); print("%d.%d" % sys.version_info[:2]); print(sysconfig.get_paths()["stdlib"])']);
  const [executable, version, stdlib] = stdout.trim().split('\n') as [string, string, string];
  const lib = join(dir, 'lib', `python${version}`);
  await mkdir(lib, { recursive: true });
  const python = join(dir, 'bin', `python${version}`);
  // A copy, not a link: Python finds its prefix (and so its site-packages) from where it runs.
  await copyFile(executable, python);
  await chmod(python, 0o755);
  for (const entry of await readdir(stdlib)) {
    if (entry === 'site-packages' || entry === 'dist-packages') continue;
    await symlink(join(stdlib, entry), join(lib, entry));
  }
  const site = await run(python, ['-c', 'import site; print(site.getsitepackages()[0])']);
  return { python, sitePackages: site.stdout.trim() };
}

/** The Node stand-in's python: a wrapper whose prefix is the image folder, so its site-packages are the image's. */
async function nodePython(dir: string, program?: readonly string[]): Promise<{ python: string; sitePackages: string }> {
  const minor = PYTHON_VERSION.split('.').slice(0, 2).join('.');
  const python = join(dir, 'bin', `python${minor}`);
  await writeWrapper(python, 'python', program);
  return { python, sitePackages: join(dir, 'lib', `python${minor}`, 'site-packages') };
}

async function installImagePackages(sitePackages: string, torch: keyof typeof IMAGE_PACKAGES, torchCuda: string | null): Promise<void> {
  const stubs = stubPackages();
  const local = torchCuda ? `+cu${torchCuda.replace('.', '')}` : '+cpu';
  for (const [name, version] of Object.entries(IMAGE_PACKAGES[torch]!)) {
    const stub = stubs.find((pkg) => normalize(pkg.name) === normalize(name) && pkg.version === version);
    if (!stub) throw new Error(`No stub for the image's ${name} ${version}`);
    // The PyTorch index labels its builds with the CUDA they target, e.g. 2.4.0+cu124.
    const installed = name === 'torch' || name === 'torchvision' ? `${version}${local}` : version;
    const dist = join(sitePackages, `${name.replace(/-/g, '_')}-${installed}.dist-info`);
    await mkdir(dist, { recursive: true });
    const lines = ['Metadata-Version: 2.1', `Name: ${stub.name}`, `Version: ${installed}`, ...stub.requires.map((requirement) => `Requires-Dist: ${requirement}`)];
    await writeFile(join(dist, 'METADATA'), `${lines.join('\n')}\n`);
    await writeFile(join(dist, 'INSTALLER'), 'pip\n');
    await writeFile(join(dist, 'RECORD'), '');
  }
  await mkdir(join(sitePackages, 'torch'), { recursive: true });
  await writeFile(join(sitePackages, 'torch', '__init__.py'), torchModule(`${torch}${local}`, torchCuda));
}

function torchModule(version: string, cuda: string | null): string {
  return `"""Stand-in for the image's PyTorch: its version, its CUDA build, and a GPU only when the driver allows."""
import json
import os

__version__ = ${JSON.stringify(version)}


class version:
    cuda = ${cuda ? JSON.stringify(cuda) : 'None'}


def _gpu():
    try:
        with open(os.environ.get("SIMPOD_GPU_FILE", "")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _release(text):
    return tuple(int(part) for part in str(text).split("."))


class cuda:
    @staticmethod
    def is_available():
        gpu = _gpu()
        if version.cuda is None or not gpu.get("name") or not gpu.get("driverCuda"):
            return False
        return _release(gpu["driverCuda"]) >= _release(version.cuda)

    @staticmethod
    def device_count():
        return 1 if cuda.is_available() else 0

    @staticmethod
    def get_device_name(index=0):
        return _gpu().get("name", "")
`;
}

/** nvidia-smi as far as the bot reads it: the GPU's name, and the driver's CUDA version in its header. */
const NVIDIA_SMI = `#!/bin/bash
file="\${SIMPOD_GPU_FILE:-}"
if [ -z "$file" ] || [ ! -f "$file" ]; then echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2; exit 9; fi
name=$(sed -n 's/.*"name": *"\\([^"]*\\)".*/\\1/p' "$file")
cuda=$(sed -n 's/.*"driverCuda": *"\\([^"]*\\)".*/\\1/p' "$file")
case "$*" in
  *--query-gpu=name*) echo "$name" ;;
  *) printf '| NVIDIA-SMI 550.127.05             Driver Version: 550.127.05     CUDA Version: %s     |\\n' "$cuda"
     printf '|   0  %s        Off |\\n' "$name" ;;
esac
`;
