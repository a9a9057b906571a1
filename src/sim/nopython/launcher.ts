import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The commands of the no-Python stand-in; each is a small sh script that runs main.ts/js with node. */
export type Tool = 'python' | 'pip' | 'monailabel';

/**
 * node and the entry point, absolute, since a pod's PATH is not ours: the compiled main.js next to
 * this file, or (when this file runs as TypeScript, as under vitest) main.ts through tsx's loader.
 */
export function programCommand(): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const entry = fileURLToPath(new URL(compiled ? './main.js' : './main.ts', import.meta.url));
  if (compiled) return [process.execPath, entry];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', tsx, entry];
}

const shQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** The script installed as `python3`, `pip` or `monailabel`; "$0" tells the program where it lives (and so its venv). */
export function wrapperScript(tool: Tool, program: readonly string[] = programCommand()): string {
  return [
    '#!/bin/sh',
    `# ${tool} of monai-pod-bot's no-Python stand-in: what it understands is listed in src/sim/nopython/interpreter.ts.`,
    `exec ${program.map(shQuote).join(' ')} ${tool} "$0" "$@"`,
    '',
  ].join('\n');
}

export async function writeWrapper(path: string, tool: Tool, program?: readonly string[]): Promise<void> {
  await writeFile(path, wrapperScript(tool, program));
  await chmod(path, 0o755);
}

/**
 * A folder holding `python3` and `python` for a machine without Python: put it first on a pod's
 * PATH (or use its python3 as POD_PYTHON). Returns the path of its python3. `program` runs them
 * (by default this copy of main: tests pass the one they just compiled, which starts faster than tsx).
 */
export async function installFakePython(binDir: string, program?: readonly string[]): Promise<string> {
  await mkdir(binDir, { recursive: true });
  for (const name of ['python3', 'python']) await writeWrapper(join(binDir, name), 'python', program);
  return join(binDir, 'python3');
}

/**
 * What the fake pip installs from: a file named like the wheel (`monailabel-<version>-py3-none-any.whl`)
 * in a find-links folder, so that a version that is not there fails as pip fails. Its content is a note.
 */
export async function writeNodeStandinWheel(outDir: string, version: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, `monailabel-${version}-py3-none-any.whl`);
  await writeFile(path, `Not a wheel: monai-pod-bot's no-Python pip installs its Node MONAI Label stand-in ${version} for this file.\n`);
  return path;
}
