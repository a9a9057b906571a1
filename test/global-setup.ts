import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { buildStubIndex } from '../src/sim/pypi/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The find-links folder of stub distributions (and the MONAI Label stand-in), built once per run. */
    stubIndex: string;
  }
}

/**
 * Some tests run the bot as a real process (node dist/main.js): build it first (incremental, ~2 s).
 * The stub package index every pip install in the tests resolves against is built once, here.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: new URL('..', import.meta.url).pathname });
  const dir = await mkdtemp(join(tmpdir(), 'monai-stub-index-'));
  project.provide('stubIndex', await buildStubIndex({ outDir: dir }));
  return () => rm(dir, { recursive: true, force: true });
}
