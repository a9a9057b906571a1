import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeWrapper } from './launcher.js';

/** The Python the stand-in claims to be: inside what MONAI Label 0.8.5 supports. */
export const PYTHON_VERSION = '3.11.9';
const SITE = join('lib', 'python3.11', 'site-packages');

/** Where a `python`/`pip`/`monailabel` wrapper lives: its prefix is a venv when pyvenv.cfg sits there, as for CPython. */
export interface Interpreter {
  executable: string;
  prefix: string;
  venv: boolean;
}

export function interpreterAt(argv0: string): Interpreter {
  const executable = resolve(argv0);
  const prefix = dirname(dirname(executable));
  return { executable, prefix, venv: existsSync(join(prefix, 'pyvenv.cfg')) };
}

/** The installed version of a distribution, read from its dist-info as importlib.metadata does; null if absent. */
export function installedVersion(interpreter: Interpreter, name: string): string | null {
  if (!interpreter.venv) return null; // the stand-in's own "system" has no packages
  const site = join(interpreter.prefix, SITE);
  const info = existsSync(site) ? readdirSync(site).find((entry) => entry.startsWith(`${name}-`) && entry.endsWith('.dist-info')) : undefined;
  if (!info) return null;
  const metadata = readFileSync(join(site, info, 'METADATA'), 'utf8');
  return /^Version: (.+)$/m.exec(metadata)?.[1] ?? null;
}

/** `python -m venv DIR`: pyvenv.cfg, python/pip wrappers, a bash activate script, an empty site-packages. */
export async function createVenv(base: Interpreter, dir: string, systemSitePackages: boolean, withPip: boolean): Promise<void> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await mkdir(join(dir, SITE), { recursive: true });
  await writeFile(
    join(dir, 'pyvenv.cfg'),
    `home = ${dirname(base.executable)}\ninclude-system-site-packages = ${systemSitePackages}\nversion = ${PYTHON_VERSION}\n`,
  );
  for (const name of ['python', 'python3', 'python3.11']) await writeWrapper(join(bin, name), 'python');
  if (withPip) for (const name of ['pip', 'pip3']) await writeWrapper(join(bin, name), 'pip');
  await writeFile(
    join(bin, 'activate'),
    [
      '# Source this from bash: `. bin/activate` (written by monai-pod-bot’s no-Python stand-in).',
      'deactivate () {',
      '    PATH="$_OLD_VIRTUAL_PATH"; export PATH',
      '    unset _OLD_VIRTUAL_PATH VIRTUAL_ENV',
      '    unset -f deactivate',
      '}',
      `VIRTUAL_ENV=${`'${dir.replaceAll("'", `'\\''`)}'`}`,
      'export VIRTUAL_ENV',
      '_OLD_VIRTUAL_PATH="$PATH"',
      'PATH="$VIRTUAL_ENV/bin:$PATH"',
      'export PATH',
      '',
    ].join('\n'),
  );
}

/** What pip leaves behind: a dist-info with METADATA (the index's, when it has one), and the console script in bin/. */
export async function installDistribution(venv: Interpreter, name: string, version: string, metadata?: string): Promise<void> {
  const site = join(venv.prefix, SITE);
  for (const entry of existsSync(site) ? readdirSync(site) : []) {
    if (entry.startsWith(`${name}-`) && entry.endsWith('.dist-info')) await rm(join(site, entry), { recursive: true, force: true });
  }
  const info = join(site, `${name}-${version}.dist-info`);
  await mkdir(info, { recursive: true });
  await writeFile(join(info, 'METADATA'), metadata?.includes('Metadata-Version:') ? metadata.slice(metadata.indexOf('Metadata-Version:')) : `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  await writeFile(join(info, 'INSTALLER'), 'pip\n');
  if (name === 'monailabel') await writeWrapper(join(venv.prefix, 'bin', 'monailabel'), 'monailabel');
}
