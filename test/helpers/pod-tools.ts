import { execFile, spawn } from 'node:child_process';
import { link, mkdir, readdir, readFile, readlink, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { InstallPlan } from '../../src/monai/python-stack.js';
import { MARKER, type ScriptSettings } from '../../src/monai/setup-script.js';
import { installScript } from '../../src/monai/stack-script.js';
import { installFakePython } from '../../src/sim/nopython/launcher.js';
import { PYTHON_VERSION } from '../../src/sim/nopython/venv.js';
import { buildPodImage, gpuFileText, type PodImage, type PodImageOptions } from '../../src/sim/pod-image.js';
import { buildNodeStubIndex, buildStubIndex } from '../../src/sim/pypi/index.js';
import type { PodChoice } from './pod-choice.js';

const run = promisify(execFile);
export const MONAI_VERSION = '0.8.5';

/** The pod image the tests' pods run unless a test asks for another: the default IMAGE_NAME's torch 2.4.0 built for CUDA 12.4. */
export const DEFAULT_IMAGE = { torch: '2.4.0', torchCuda: '12.4' } as const satisfies Pick<PodImageOptions, 'torch' | 'torchCuda'>;

/** What test/global-setup.ts builds once per run for every pod the tests start. */
export interface PodTools {
  choice: PodChoice;
  /** This machine's CPython the pod images are made of, or the Node stand-in's python3. */
  interpreter: string;
  /** A find-links folder: stubs of monailabel 0.8.5's real dependencies and the MONAI Label stand-in (src/sim/pypi). */
  wheels: string;
  /** The default pod image (DEFAULT_IMAGE): the tests' pods have its python3 first on PATH, as RunPod's image has. */
  image: PodImage;
  /** A volume the bot's own install script set up from the image and the stub index, as a first start leaves it. */
  templateVolume: string;
  /** What the install script printed when it set up templateVolume. */
  templateInstall: string;
  /** A venv with the stand-in alone (no image, no dependencies), for the tests about the stand-in itself. */
  templateVenv: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    podChoice: PodChoice;
    podTools: PodTools;
  }
}

/**
 * How the tests run the no-Python stand-in: the copy test/global-setup.ts compiled at the start of
 * this run (dist/ is built from this very source), since a TypeScript copy pays for tsx at every call.
 */
export const COMPILED_NOPYTHON = [process.execPath, fileURLToPath(new URL('../../dist/sim/nopython/main.js', import.meta.url))];

/** pip must never look further than the local wheels (this machine's pip.conf may name indexes). */
export function pipEnv(wheels: string): Record<string, string> {
  return { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
}

/** A pod image made with this run's interpreter (CPython, or the Node stand-in). */
export function buildImage(choice: PodChoice, dir: string, image: Pick<PodImageOptions, 'torch' | 'torchCuda' | 'commands'>): Promise<PodImage> {
  const interpreter = choice.python.kind === 'python' ? { kind: 'python' as const, executable: choice.python.found.executable } : { kind: 'node' as const, program: COMPILED_NOPYTHON };
  return buildPodImage({ dir, interpreter, ...image });
}

/** The environment of a pod made of `image`: its Python and nvidia-smi first, pip on the local index. */
export function podEnv(image: PodImage, wheels: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${image.bin}:/usr/local/bin:/usr/bin:/bin`, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...pipEnv(wheels), ...extra };
}

/** The pod's Python and version for an install plan, as the probe would read them from the image. */
export async function imagePlan(image: PodImage, torch: string = DEFAULT_IMAGE.torch): Promise<InstallPlan> {
  const { stdout } = await run(image.python, ['-c', 'import platform; print(platform.python_version())']);
  const torchvision = { '2.4.0': '0.19.0', '2.5.1': '0.20.1' }[torch] ?? null;
  return { python: image.python, pythonVersion: stdout.trim() || PYTHON_VERSION, torch, torchvision, sam2: false };
}

/** Settings for the pod scripts on `volume` when only the volume matters (the install, the probe). */
export function scriptSettings(volume: string, fields: Partial<ScriptSettings> = {}): ScriptSettings {
  return { volume, python: null, version: MONAI_VERSION, models: ['deepgrow_2d', 'deepgrow_3d'], sam2: false, dicomwebUrl: 'http://127.0.0.1:9/dicom-web', gate: { token: 'test-gate-token-0123456789', blocked: [] }, ...fields };
}

/** The marker lines of a script's output. */
export function markerLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.startsWith(`${MARKER} `));
}

/** Runs a script the bot sends to a pod with bash here, in `env`: its code and output. */
export function runOnPod(script: string, env: Record<string, string>, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-s'], { env, stdio: ['pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(script);
  });
}

/**
 * Builds, once, under `dir`: the stub index, the default image, a volume the bot's real install
 * script installed from them (the slow part of a first start, paid here once instead of in every
 * pod test), and a plain venv with the stand-in alone.
 */
export async function buildPodTools(choice: PodChoice, dir: string): Promise<PodTools> {
  const wheels = join(dir, 'wheels');
  let interpreter: string;
  if (choice.python.kind === 'python') {
    interpreter = choice.python.found.executable;
    await buildStubIndex({ outDir: wheels, python: interpreter, version: MONAI_VERSION });
  } else {
    interpreter = await installFakePython(join(dir, 'no-python-bin'), COMPILED_NOPYTHON);
    await buildNodeStubIndex(wheels, MONAI_VERSION);
  }
  const image = await buildImage(choice, join(dir, 'image'), DEFAULT_IMAGE);
  const templateVenv = join(dir, 'plain', 'venv');
  const plainEnv = { PATH: process.env['PATH'] ?? '', HOME: dir, ...pipEnv(wheels) };
  const plain = (async () => {
    await run(interpreter, ['-m', 'venv', templateVenv], { env: plainEnv, timeout: 300_000 });
    await run(join(templateVenv, 'bin', 'pip'), ['install', '--progress-bar', 'off', '--no-deps', `monailabel==${MONAI_VERSION}`], { env: plainEnv, timeout: 300_000 });
  })();
  const templateVolume = join(dir, 'template');
  const installed = (async (): Promise<string> => {
    const gpuFile = join(dir, 'gpu.json');
    await writeFile(gpuFile, gpuFileText({ name: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' }));
    const result = await runOnPod(installScript(scriptSettings(templateVolume, { python: image.python }), await imagePlan(image)), podEnv(image, wheels, { HOME: dir, SIMPOD_GPU_FILE: gpuFile }));
    if (result.code !== 0) throw new Error(`Installing the template volume failed (exit ${result.code}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
    return result.stdout;
  })();
  const [, templateInstall] = await Promise.all([plain, installed]);
  return { choice, interpreter, wheels, image, templateVolume, templateInstall, templateVenv };
}

export function podTools(): PodTools {
  return inject('podTools');
}

/** A copy made of hard links: no data is copied (a venv is ~25 MB). Python and pip replace files, never rewrite them. */
async function linkTree(from: string, to: string, skip: ReadonlySet<string> = new Set(), relative = ''): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (skip.has(path)) continue;
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) await linkTree(source, target, skip, path);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else await link(source, target);
  }
}

/** What an install leaves that a seeded volume leaves out: the apps (the setup downloads them), pip's cache and temp files. */
const NOT_SEEDED = new Set(['venv/radiology', 'venv/monaibundle', '.cache', '.monai-pod-bot/tmp']);

/** Rewrites the files (scripts, pyvenv.cfg) that name `from`, in a linked copy: their own copies, never the template's. */
async function rewritePaths(files: readonly string[], from: string, to: string): Promise<void> {
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (!text.includes(from)) continue;
    const { mode } = await stat(file);
    await unlink(file);
    await writeFile(file, text.replaceAll(from, to), { mode });
  }
}

/**
 * Puts the installed template onto `volume`, as a volume that a previous start set up holds it:
 * the venv with monailabel and its pinned dependencies, and the stamp of the pins (so the setup
 * skips venv and pip), but not the apps, which the setup downloads. A venv records its own path
 * in its scripts (activate, the shebangs of pip and monailabel): those get their own rewritten copy.
 */
export async function seedInstalledVenv(volume: string): Promise<void> {
  const { templateVolume } = podTools();
  await linkTree(templateVolume, volume, NOT_SEEDED);
  const bin = join(volume, 'venv', 'bin');
  const files = [...(await readdir(bin, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(bin, entry.name)), join(volume, 'venv', 'pyvenv.cfg')];
  await rewritePaths(files, templateVolume, volume);
}
