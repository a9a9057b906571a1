/**
 * The no-Python stand-in's pip resolver: enough of PEP 440 and PEP 508 for the stub index
 * (src/sim/pypi/packages.ts) and the bot's pins, resolved greedily, without backtracking. It keeps
 * what is installed when it satisfies a requirement (pip's "only if needed"), takes the newest
 * candidate otherwise, and fails as pip fails when nothing fits. What it cannot read fails loudly.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PYTHON_VERSION, type Interpreter } from './venv.js';

export const SITE = join('lib', 'python3.11', 'site-packages');

export function canonical(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

interface ParsedVersion {
  release: number[];
  /** a/b/rc number as a sortable pair; null for a final release. */
  pre: [number, number] | null;
  post: number;
  dev: number | null;
}

function parseVersion(text: string): ParsedVersion {
  const match = /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|rc)(\d*))?(?:[-_.]?post(\d*))?(?:[-_.]?dev(\d*))?(?:\+[A-Za-z0-9.]+)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a version: ${text}`);
  const preRank = { a: 0, b: 1, rc: 2 } as const;
  return {
    release: match[1]!.split('.').map(Number),
    pre: match[2] ? [preRank[match[2].toLowerCase() as keyof typeof preRank], Number(match[3] || 0)] : null,
    post: match[4] !== undefined ? Number(match[4] || 0) : -1,
    dev: match[5] !== undefined ? Number(match[5] || 0) : null,
  };
}

/** PEP 440 order; a local label (+cu124) is ignored, as specifiers without one ignore it. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < Math.max(x.release.length, y.release.length); i++) {
    const diff = (x.release[i] ?? 0) - (y.release[i] ?? 0);
    if (diff !== 0) return diff;
  }
  const pre = (v: ParsedVersion) => (v.pre ? v.pre[0] * 1e6 + v.pre[1] : v.dev !== null && v.post < 0 ? -1 : 1e9);
  return pre(x) - pre(y) || x.post - y.post || (x.dev ?? 1e9) - (y.dev ?? 1e9);
}

export const isPreRelease = (version: string) => parseVersion(version).pre !== null || parseVersion(version).dev !== null;

function matchesOne(version: string, clause: string): boolean {
  const match = /^(===|==|!=|~=|>=|<=|>|<)\s*(\S+)$/.exec(clause.trim());
  if (!match) throw new Error(`not a version specifier: ${clause}`);
  const [, op, wanted] = match as unknown as [string, string, string];
  if ((op === '==' || op === '!=') && wanted.endsWith('.*')) {
    const prefix = wanted.slice(0, -2).split('.').map(Number);
    const same = prefix.every((part, i) => (parseVersion(version).release[i] ?? 0) === part);
    return op === '==' ? same : !same;
  }
  const order = compareVersions(version, wanted);
  switch (op) {
    case '==':
    case '===':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    default: {
      // ~=X.Y: >= X.Y and == X.*
      const release = wanted.split('.');
      return order >= 0 && matchesOne(version, `==${release.slice(0, -1).join('.')}.*`);
    }
  }
}

/** "" matches everything; clauses are comma-separated. */
export function satisfies(version: string, specifier: string): boolean {
  return specifier
    .split(',')
    .map((clause) => clause.trim())
    .filter(Boolean)
    .every((clause) => matchesOne(version, clause));
}

export interface Requirement {
  name: string;
  extras: string[];
  specifier: string;
  marker: string | null;
  text: string;
}

export function parseRequirement(line: string): Requirement {
  const [body = '', marker] = line.split(';').map((part) => part.trim());
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*\(?([^)]*)\)?$/.exec(body);
  if (!match) throw new Error(`not a requirement: ${line}`);
  const extras = (match[2] ?? '').split(',').map((extra) => extra.trim()).filter(Boolean);
  return { name: match[1]!, extras, specifier: (match[3] ?? '').replace(/\s+/g, ''), marker: marker || null, text: body };
}

/** PEP 508 markers as the stubs use them: python_version and extra, joined by and/or. */
export function markerHolds(marker: string | null, extra: string): boolean {
  if (!marker) return true;
  return marker.split(/\s+or\s+/).some((alternative) =>
    alternative.split(/\s+and\s+/).every((test) => {
      const match = /^\(?\s*(python_version|python_full_version|extra)\s*(==|!=|>=|<=|>|<)\s*["']([^"']*)["']\s*\)?$/.exec(test.trim());
      if (!match) throw new Error(`a marker the stand-in cannot evaluate: ${marker}`);
      const [, variable, op, value] = match as unknown as [string, string, string, string];
      if (variable === 'extra') return op === '==' ? canonical(extra) === canonical(value) : canonical(extra) !== canonical(value);
      const python = variable === 'python_version' ? PYTHON_VERSION.split('.').slice(0, 2).join('.') : PYTHON_VERSION;
      return matchesOne(python, `${op}${value}`);
    }),
  );
}

/** A distribution as a METADATA file describes it. */
export interface Distribution {
  name: string;
  version: string;
  requires: string[];
  requiresPython: string;
  /** The METADATA text, kept for the install. */
  metadata: string;
}

export function readMetadata(text: string): Distribution {
  const field = (key: string) => [...text.matchAll(new RegExp(`^${key}: (.*)$`, 'gm'))].map((match) => match[1]!.trim());
  return { name: field('Name')[0] ?? '', version: field('Version')[0] ?? '', requires: field('Requires-Dist'), requiresPython: field('Requires-Python')[0] ?? '', metadata: text };
}

export interface Installed extends Distribution {
  site: string;
  distInfo: string;
}

/** The site-packages an interpreter imports from: a venv's own, then (when it includes them) its base's. */
export function sitesOf(python: Interpreter): string[] {
  const own = join(python.prefix, SITE);
  if (!python.venv) return [own];
  const config = readFileSync(join(python.prefix, 'pyvenv.cfg'), 'utf8');
  const home = /^home\s*=\s*(.+)$/m.exec(config)?.[1]?.trim();
  const system = /^include-system-site-packages\s*=\s*true$/im.test(config);
  return system && home ? [own, join(dirname(home), SITE)] : [own];
}

/** What is installed in one site-packages folder, by canonical name. */
export function installedIn(site: string): Map<string, Installed> {
  const found = new Map<string, Installed>();
  for (const entry of existsSync(site) ? readdirSync(site) : []) {
    if (!entry.endsWith('.dist-info') || !existsSync(join(site, entry, 'METADATA'))) continue;
    const dist = readMetadata(readFileSync(join(site, entry, 'METADATA'), 'utf8'));
    found.set(canonical(dist.name), { ...dist, site, distInfo: join(site, entry) });
  }
  return found;
}

/** What the interpreter can import: the first site that has a name wins, as on sys.path. */
export function installedFor(python: Interpreter): Map<string, Installed> {
  const all = new Map<string, Installed>();
  for (const site of sitesOf(python)) for (const [name, dist] of installedIn(site)) if (!all.has(name)) all.set(name, dist);
  return all;
}

export interface Candidate extends Distribution {
  file: string;
}

/** The find-links folders' files, read as the stand-in's index (src/sim/pypi/index.ts buildNodeStubIndex). */
export function readIndex(links: readonly string[]): Map<string, Candidate[]> {
  const index = new Map<string, Candidate[]>();
  for (const dir of links) {
    for (const file of existsSync(dir) ? readdirSync(dir) : []) {
      const named = /^([A-Za-z0-9_.]+?)-([0-9][^-]*?)(?:-py3-none-any\.whl|\.tar\.gz)$/.exec(file);
      if (!named) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      const dist = /^Name: /m.test(text) ? readMetadata(text) : { ...readMetadata(''), name: named[1]!, version: named[2]! };
      const candidate: Candidate = { ...dist, file: join(dir, file) };
      index.set(canonical(candidate.name), [...(index.get(canonical(candidate.name)) ?? []), candidate]);
    }
  }
  return index;
}

export type Resolution = { install: Candidate[]; kept: Installed[] } | { error: string };

/** Chooses what `pip install` would install for `roots` under `constraints`; `noDeps` takes the roots alone. */
export function resolve(roots: readonly Requirement[], constraints: readonly Requirement[], installed: Map<string, Installed>, index: Map<string, Candidate[]>, noDeps: boolean): Resolution {
  const constraintOf = (name: string) =>
    constraints
      .filter((constraint) => canonical(constraint.name) === name && markerHolds(constraint.marker, ''))
      .map((constraint) => constraint.specifier)
      .filter(Boolean)
      .join(',');
  const chosen = new Map<string, { version: string; extras: Set<string>; requires: string[] }>();
  const install: Candidate[] = [];
  const kept: Installed[] = [];
  const queue: { requirement: Requirement; extra: string }[] = roots.map((requirement) => ({ requirement, extra: '' }));
  while (queue.length > 0) {
    const { requirement, extra } = queue.shift()!;
    if (!markerHolds(requirement.marker, extra)) continue;
    const name = canonical(requirement.name);
    const specifier = [requirement.specifier, constraintOf(name)].filter(Boolean).join(',');
    const deps = (requires: string[], extras: Iterable<string>) => {
      if (noDeps) return;
      for (const line of requires) {
        const dep = parseRequirement(line);
        if (markerHolds(dep.marker, '')) queue.push({ requirement: dep, extra: '' });
        for (const wanted of extras) if (dep.marker && markerHolds(dep.marker, wanted) && !markerHolds(dep.marker, '')) queue.push({ requirement: dep, extra: wanted });
      }
    };
    const already = chosen.get(name);
    if (already) {
      if (!satisfies(already.version, specifier)) return { error: `Cannot install ${requirement.text} because ${requirement.name} ${already.version} was chosen (ResolutionImpossible).` };
      const fresh = requirement.extras.filter((wanted) => !already.extras.has(wanted));
      fresh.forEach((wanted) => already.extras.add(wanted));
      deps(already.requires, fresh);
      continue;
    }
    const have = installed.get(name);
    if (have && satisfies(have.version, specifier)) {
      chosen.set(name, { version: have.version, extras: new Set(requirement.extras), requires: have.requires });
      kept.push(have);
      deps(have.requires, requirement.extras);
      continue;
    }
    const all = index.get(name) ?? [];
    const fits = all.filter((candidate) => satisfies(candidate.version, specifier) && (!candidate.requiresPython || satisfies(PYTHON_VERSION, candidate.requiresPython)));
    const finals = fits.filter((candidate) => !isPreRelease(candidate.version));
    const pick = (finals.length > 0 ? finals : fits).sort((a, b) => compareVersions(b.version, a.version))[0];
    if (!pick) {
      const versions = all.map((candidate) => candidate.version).sort(compareVersions).join(', ') || 'none';
      return {
        error: `ERROR: Could not find a version that satisfies the requirement ${requirement.text} (from versions: ${versions})\nERROR: No matching distribution found for ${requirement.text}`,
      };
    }
    chosen.set(name, { version: pick.version, extras: new Set(requirement.extras), requires: pick.requires });
    install.push(pick);
    deps(pick.requires, requirement.extras);
  }
  return { install, kept };
}

/** `pip check`'s lines for what is installed (empty: nothing broken). Extras are not checked, as pip does not. */
export function brokenRequirements(installed: Map<string, Installed>): string[] {
  const lines: string[] = [];
  for (const dist of [...installed.values()].sort((a, b) => canonical(a.name).localeCompare(canonical(b.name)))) {
    for (const line of dist.requires) {
      const requirement = parseRequirement(line);
      if (!markerHolds(requirement.marker, '')) continue;
      const found = installed.get(canonical(requirement.name));
      if (!found) lines.push(`${dist.name} ${dist.version} requires ${requirement.name}, which is not installed.`);
      else if (!satisfies(found.version, requirement.specifier)) lines.push(`${dist.name} ${dist.version} has requirement ${requirement.text}, but you have ${found.name} ${found.version}.`);
    }
  }
  return lines;
}
