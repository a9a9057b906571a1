import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { buildPodTools } from './helpers/pod-tools.js';

/**
 * Once per run: build the bot (some tests run it as a process, node dist/main.js, and the Node
 * stand-ins run compiled; incremental, ~2 s), and the pods' shared pieces — the stub package index,
 * the default pod image, a volume the bot's install script set up from them, to copy — with the
 * interpreter vitest.config.ts chose (its first line says which).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'monai-pod-tools-'));
  const choice = project.getProvidedContext().podChoice;
  const build = promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: new URL('..', import.meta.url).pathname });
  // The Node stand-ins run from dist/ (see COMPILED_NOPYTHON); a real Python needs no build.
  if (choice.python.kind === 'node') await build;
  const [tools] = await Promise.all([buildPodTools(choice, dir), build]);
  project.provide('podTools', tools);
  return () => rm(dir, { recursive: true, force: true });
}
