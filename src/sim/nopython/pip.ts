/**
 * The no-Python stand-in's `pip`, for what the bot's install script (src/monai/stack-script.ts)
 * runs, from find-links folders only (PIP_FIND_LINKS, as with PIP_NO_INDEX; the simulated pod has
 * no package index):
 *
 *   pip install [--progress-bar X] [-q] [--no-index] [-f DIR] [-c FILE]… [-r FILE]… [--no-deps]
 *               [--no-build-isolation] [NAME[EXTRAS][SPECIFIER]…]    resolved by ./resolver.ts
 *   pip wheel [--progress-bar X] --no-deps [--no-build-isolation] [-c FILE] -w DIR REQUIREMENT
 *                                   builds a source distribution (SAM 2) against the installed torch
 *   pip uninstall -y NAME…          from the venv only
 *   pip check                       the installed packages' Requires-Dist (the image's too)
 *   pip list --path DIR --format=freeze
 *   pip -V | --version
 *
 * PIP_CACHE_DIR and TMPDIR are accepted and unused: nothing is downloaded or unpacked.
 */
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Io } from './interpreter.js';
import { brokenRequirements, canonical, compareVersions, installedFor, installedIn, parseRequirement, readIndex, resolve, SITE, type Requirement } from './resolver.js';
import { installDistribution, type Interpreter } from './venv.js';

type Unknown = (io: Io, what: string) => number;

/** pip's own flags that take no value and change nothing here. */
const QUIET_FLAGS = ['-q', '--quiet', '--no-index', '--disable-pip-version-check', '--no-build-isolation', '-y', '--yes'];

interface Parsed {
  links: string[];
  constraints: string[];
  requirementFiles: string[];
  noDeps: boolean;
  wheelDir: string | null;
  path: string | null;
  format: string | null;
  names: string[];
}

function parseArgs(args: readonly string[], io: Io, unknown: Unknown): Parsed | number {
  const parsed: Parsed = { links: (io.env['PIP_FIND_LINKS'] ?? '').split(/\s+/).filter(Boolean), constraints: [], requirementFiles: [], noDeps: false, wheelDir: null, path: null, format: null, names: [] };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = () => args[++index] ?? '';
    if (arg === '--progress-bar') index++;
    else if (arg === '-f' || arg === '--find-links') parsed.links.push(value());
    else if (arg === '-c' || arg === '--constraint') parsed.constraints.push(value());
    else if (arg === '-r' || arg === '--requirement') parsed.requirementFiles.push(value());
    else if (arg === '-w' || arg === '--wheel-dir') parsed.wheelDir = value();
    else if (arg === '--path') parsed.path = value();
    else if (arg === '--format') parsed.format = value();
    else if (arg.startsWith('--format=')) parsed.format = arg.slice('--format='.length);
    else if (arg === '--no-deps') parsed.noDeps = true;
    else if (QUIET_FLAGS.includes(arg)) continue;
    else if (arg.startsWith('-')) return unknown(io, `pip … ${arg}`);
    else parsed.names.push(arg);
  }
  return parsed;
}

/** A requirements or constraints file: one requirement a line, comments and blank lines skipped. */
function readRequirements(file: string): Requirement[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => parseRequirement(line));
}

const distDir = (name: string) => name.replace(/[-_.]+/g, '_').toLowerCase();

export async function pipCommand(self: Interpreter, args: readonly string[], io: Io, unknown: Unknown): Promise<number> {
  const [command, ...rest] = args;
  if (command === '-V' || command === '--version') {
    io.out(`pip 24.0 from ${join(self.prefix, SITE, 'pip')} (python 3.11)\n`);
    return 0;
  }
  const parsed = parseArgs(rest, io, unknown);
  if (typeof parsed === 'number') return parsed;
  switch (command) {
    case 'install':
      return install(self, parsed, io, unknown);
    case 'wheel':
      return wheel(self, parsed, io, unknown);
    case 'uninstall':
      return uninstall(self, parsed, io, unknown);
    case 'check': {
      const broken = brokenRequirements(installedFor(self));
      io.out(broken.length > 0 ? `${broken.join('\n')}\n` : 'No broken requirements found.\n');
      return broken.length > 0 ? 1 : 0;
    }
    case 'list':
      if (parsed.format !== 'freeze' || !parsed.path) return unknown(io, `pip list ${rest.join(' ')}`);
      for (const dist of [...installedIn(parsed.path).values()].sort((a, b) => canonical(a.name).localeCompare(canonical(b.name)))) io.out(`${dist.name}==${dist.version}\n`);
      return 0;
    default:
      return unknown(io, `pip ${args.join(' ')}`);
  }
}

async function install(self: Interpreter, parsed: Parsed, io: Io, unknown: Unknown): Promise<number> {
  if (!self.venv) return unknown(io, 'pip install outside a venv');
  const roots = [...parsed.requirementFiles.flatMap(readRequirements), ...parsed.names.map((name) => parseRequirement(name))];
  if (roots.length === 0) return unknown(io, 'pip install without a requirement');
  const installed = installedFor(self);
  if (parsed.links.length > 0) io.out(`Looking in links: ${parsed.links.join(', ')}\n`);
  const resolution = resolve(roots, parsed.constraints.flatMap(readRequirements), installed, readIndex(parsed.links), parsed.noDeps);
  if ('error' in resolution) {
    io.err(`${resolution.error}\n`);
    return 1;
  }
  for (const kept of resolution.kept) io.out(`Requirement already satisfied: ${kept.name} in ${kept.site} (${kept.version})\n`);
  if (resolution.install.length === 0) return 0;
  for (const candidate of resolution.install) io.out(`Processing ${candidate.file}\n`);
  io.out(`Installing collected packages: ${resolution.install.map((candidate) => candidate.name).join(', ')}\n`);
  for (const candidate of resolution.install) {
    const old = installed.get(canonical(candidate.name));
    if (old && old.site === join(self.prefix, SITE)) {
      io.out(`  Attempting uninstall: ${old.name}\n    Found existing installation: ${old.name} ${old.version}\n    Uninstalling ${old.name}-${old.version}:\n      Successfully uninstalled ${old.name}-${old.version}\n`);
      await rm(old.distInfo, { recursive: true, force: true });
    }
    const name = canonical(candidate.name) === 'monailabel' ? 'monailabel' : distDir(candidate.name);
    await installDistribution(self, name, candidate.version, candidate.metadata || undefined);
  }
  io.out(`Successfully installed ${resolution.install.map((candidate) => `${candidate.name}-${candidate.version}`).join(' ')}\n`);
  return 0;
}

/** Builds a source distribution's wheel, as the stub's build backend does: only with the torch it needs already installed. */
async function wheel(self: Interpreter, parsed: Parsed, io: Io, unknown: Unknown): Promise<number> {
  const [only] = parsed.names;
  if (!parsed.noDeps || !parsed.wheelDir || !only || parsed.names.length !== 1) return unknown(io, 'pip wheel without exactly --no-deps, -w DIR and one requirement');
  const resolution = resolve([parseRequirement(only)], parsed.constraints.flatMap(readRequirements), new Map(), readIndex(parsed.links), true);
  if ('error' in resolution) {
    io.err(`${resolution.error}\n`);
    return 1;
  }
  const candidate = resolution.install[0]!;
  const minTorch = candidate.requires.map((line) => /^torch>=([0-9.]+)$/.exec(line.trim())?.[1]).find(Boolean);
  const torch = installedFor(self).get('torch');
  if (minTorch && (!torch || compareVersions(torch.version, minTorch) < 0)) {
    io.err(`RuntimeError: building ${candidate.name} needs torch>=${minTorch}, ${torch ? `found ${torch.version}` : 'which is not installed'}\nERROR: Failed building wheel for ${candidate.name}\n`);
    return 1;
  }
  const file = join(parsed.wheelDir, `${distDir(candidate.name)}-${candidate.version}-py3-none-any.whl`);
  await writeFile(file, readFileSync(candidate.file, 'utf8'));
  io.out(`Processing ${candidate.file}\nBuilding wheels for collected packages: ${candidate.name}\nSuccessfully built ${candidate.name}\nSaved ${file}\n`);
  return 0;
}

async function uninstall(self: Interpreter, parsed: Parsed, io: Io, unknown: Unknown): Promise<number> {
  if (!self.venv || parsed.names.length === 0) return unknown(io, 'pip uninstall outside a venv or without a name');
  const own = installedIn(join(self.prefix, SITE));
  for (const name of parsed.names) {
    const dist = own.get(canonical(name));
    if (!dist) {
      io.err(`WARNING: Skipping ${name} as it is not installed.\n`);
      continue;
    }
    io.out(`Found existing installation: ${dist.name} ${dist.version}\nUninstalling ${dist.name}-${dist.version}:\n  Successfully uninstalled ${dist.name}-${dist.version}\n`);
    await rm(dist.distInfo, { recursive: true, force: true });
  }
  return 0;
}
