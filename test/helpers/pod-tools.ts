import { execFile } from 'node:child_process';
import { link, mkdir, readdir, readFile, readlink, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { installFakePython, writeNodeStandinWheel } from '../../src/sim/nopython/launcher.js';
import { buildStandinWheel } from '../../src/sim/wheel.js';
import type { PodChoice } from './pod-choice.js';

const run = promisify(execFile);
export const MONAI_VERSION = '0.8.5';

/** What test/global-setup.ts builds once per run for every pod the tests start. */
export interface PodTools {
  choice: PodChoice;
  /** Absolute path of the pod's Python (POD_PYTHON): CPython, or the Node stand-in's python3. */
  interpreter: string;
  /** A find-links folder holding monailabel 0.8.5 (a real wheel, or the Node stand-in's). */
  wheels: string;
  /** A venv with monailabel 0.8.5 installed, to copy onto a volume that should start installed. */
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

/** Builds the wheel and an installed venv with the chosen interpreter, once, under `dir`. */
export async function buildPodTools(choice: PodChoice, dir: string): Promise<PodTools> {
  const wheels = join(dir, 'wheels');
  let interpreter: string;
  if (choice.python.kind === 'python') {
    interpreter = choice.python.found.executable;
    await buildStandinWheel({ outDir: wheels, python: interpreter, version: MONAI_VERSION });
  } else {
    interpreter = await installFakePython(join(dir, 'no-python-bin'), COMPILED_NOPYTHON);
    await writeNodeStandinWheel(wheels, MONAI_VERSION);
  }
  const templateVenv = join(dir, 'template', 'venv');
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, ...pipEnv(wheels) };
  await run(interpreter, ['-m', 'venv', '--system-site-packages', templateVenv], { env, timeout: 300_000 });
  await run(join(templateVenv, 'bin', 'pip'), ['install', '--progress-bar', 'off', `monailabel==${MONAI_VERSION}`], { env, timeout: 300_000 });
  return { choice, interpreter, wheels, templateVenv };
}

export function podTools(): PodTools {
  return inject('podTools');
}

/** A copy made of hard links: no data is copied (a venv is ~25 MB). Python and pip replace files, never rewrite them. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else await link(source, target);
  }
}

/**
 * Puts the installed template venv at `<volume>/venv`, as a volume that a previous start set up
 * holds it. A venv records its own path in its scripts (activate, the shebangs of pip and
 * monailabel): those get their own rewritten copy.
 */
export async function seedInstalledVenv(volume: string): Promise<void> {
  const { templateVenv } = podTools();
  const target = join(volume, 'venv');
  await linkTree(templateVenv, target);
  const bin = join(target, 'bin');
  const files = [...(await readdir(bin, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(bin, entry.name)), join(target, 'pyvenv.cfg')];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (!text.includes(templateVenv)) continue;
    const { mode } = await stat(file);
    await unlink(file);
    await writeFile(file, text.replaceAll(templateVenv, target), { mode });
  }
}
