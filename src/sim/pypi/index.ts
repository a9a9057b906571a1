import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RELEASES } from '../../monai/pins.js';
import { buildStandinWheel } from '../wheel.js';
import { stubPackages, type StubPackage } from './packages.js';

const execFileAsync = promisify(execFile);

/**
 * A find-links folder pip can install from with --no-index: stub distributions of everything
 * monailabel 0.8.5 pulls in (no code), plus the MONAI Label stand-in wheel, which declares the
 * real release's requirements. Returns the folder.
 */
export async function buildStubIndex(options: { outDir: string; python?: string; version?: string }): Promise<string> {
  const script = fileURLToPath(new URL('./build_index.py', import.meta.url));
  const python = options.python ?? 'python3';
  const child = execFileAsync(python, [script], { timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  child.child.stdin?.end(JSON.stringify({ out: options.outDir, packages: stubPackages() }));
  try {
    await child;
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    throw new Error(`Building the stub package index failed: ${failure.stderr?.trim() || failure.message || String(error)}`, { cause: error });
  }
  await buildStandinWheel({ outDir: options.outDir, python, ...(options.version ? { version: options.version } : {}) });
  return options.outDir;
}

/** Distribution file names as pip's wheels and sdists spell them. */
const distName = (name: string) => name.replace(/[-_.]+/g, '_').toLowerCase();

/** METADATA as the stub wheels carry it (the same fields build_index.py writes). */
export function stubMetadata(pkg: Pick<StubPackage, 'name' | 'version' | 'requires' | 'extras' | 'requiresPython'>): string {
  return [
    'Metadata-Version: 2.1',
    `Name: ${pkg.name}`,
    `Version: ${pkg.version}`,
    ...(pkg.requiresPython ? [`Requires-Python: ${pkg.requiresPython}`] : []),
    ...pkg.extras.map((extra) => `Provides-Extra: ${extra}`),
    ...pkg.requires.map((requirement) => `Requires-Dist: ${requirement}`),
    '',
  ].join('\n');
}

/**
 * The same index for the no-Python stand-in's pip (src/sim/nopython): a file per distribution,
 * named as pip names wheels and source distributions, holding only the METADATA it reads. The
 * monailabel file names the Node MONAI Label stand-in, which that pip installs for it.
 */
export async function buildNodeStubIndex(outDir: string, version = '0.8.5'): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const note = "Not a wheel: the METADATA of a stub for monai-pod-bot's no-Python pip.\n";
  for (const pkg of stubPackages()) {
    const file = pkg.sdistOnly ? `${distName(pkg.name)}-${pkg.version}.tar.gz` : `${distName(pkg.name)}-${pkg.version}-py3-none-any.whl`;
    await writeFile(join(outDir, file), `${note}${stubMetadata(pkg)}`);
  }
  const monailabel = { name: 'monailabel', version, requires: [...(RELEASES[version]?.requires ?? [])], extras: [], requiresPython: '>=3.9' };
  await writeFile(join(outDir, `monailabel-${version}-py3-none-any.whl`), `Not a wheel: monai-pod-bot's no-Python pip installs its Node MONAI Label stand-in ${version} for this file.\n${stubMetadata(monailabel)}`);
  return outDir;
}
