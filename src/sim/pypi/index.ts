import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildStandinWheel } from '../wheel.js';
import { stubPackages } from './packages.js';

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
