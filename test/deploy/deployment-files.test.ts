import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXIT } from '../../src/cli/exit-codes.js';
import { VARIABLES } from '../../src/config/variables.js';

/**
 * Docker and systemd cannot run here, so the deployment files are checked for what would break a
 * deployment: a missing file, a Node version the bot refuses, a database off the volume, a stop
 * that kills the bot mid-shutdown, a variable the bot does not read.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(posix.join(ROOT, path), 'utf8');
const inRepo = (path: string) => existsSync(posix.join(ROOT, path));

/** After SIGTERM the bot exits within this long (src/main.ts, README "Safety"). */
const SHUTDOWN_SECONDS = 10;

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions, continuation lines joined, comments dropped, numbered by FROM. */
function dockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) || (!pending && !line.trim())) continue;
    pending += line.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(line)) continue;
    const [, keyword = '', args = ''] = /^\s*(\w+)\s+(.*)$/s.exec(pending) ?? [];
    pending = '';
    if (keyword.toUpperCase() === 'FROM') stage++;
    instructions.push({ keyword: keyword.toUpperCase(), args: args.trim(), stage });
  }
  return instructions;
}

/** NAME=value pairs, as in ENV and systemd's Environment=. */
function assignments(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name = '', value = ''] of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
    found[name] = value.replace(/^(["'])(.*)\1$/, '$2');
  }
  return found;
}

/** Seconds in a systemd time span or a compose duration ("15", "15s", "1min 30s", "1m30s"). */
function seconds(span: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  for (const [, amount = '0', suffix = 's'] of span.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|s|min|m|h)?/g)) total += Number(amount) * (unit[suffix] ?? NaN);
  return total;
}

/** systemd unit: section → key → values (a key may repeat). */
function unitFile(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let section: Record<string, string[]> = {};
  for (const line of text.split('\n').map((raw) => raw.trim())) {
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) sections[header[1]!] = section = {};
    else {
      const [key = '', ...value] = line.split('=');
      (section[key.trim()] ??= []).push(value.join('=').trim());
    }
  }
  return sections;
}

/** Whether a .dockerignore pattern leaves `path` (or a folder above it) out of the build context. */
function ignoredBy(patterns: readonly string[], path: string): boolean {
  const segments = posix.normalize(path).replace(/\/$/, '').split('/');
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    return segments.some((_, i) => regex.test(segments.slice(0, i + 1).join('/')));
  });
}

const docker = dockerfile(read('Dockerfile'));
const lastStage = Math.max(...docker.map((instruction) => instruction.stage));
const runtime = docker.filter((instruction) => instruction.stage === lastStage);
const imageEnv = Object.assign({}, ...docker.filter((i) => i.keyword === 'ENV').map((i) => assignments(i.args))) as Record<string, string>;
const dockerignore = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

interface ComposeService {
  build?: string | { context?: string; dockerfile?: string };
  restart?: string;
  environment?: Record<string, string | number | null> | string[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  stop_grace_period?: string;
}
const composeText = read('compose.yaml');
const compose = parse(composeText) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const service = compose.services['monai-pod-bot']!;
const composeEnv: Record<string, string> = Array.isArray(service.environment)
  ? assignments(service.environment.join(' '))
  : Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value ?? '')]));
/** What the container sees: compose's environment wins over the image's ENV. */
const containerEnv = { ...imageEnv, ...composeEnv };
const mounts = (service.volumes ?? []).map((volume) => {
  if (typeof volume !== 'string') return { source: volume.source ?? '', target: volume.target, readOnly: volume.read_only === true };
  const [source = '', target = '', mode = ''] = volume.split(':');
  return { source, target, readOnly: mode.split(',').includes('ro') };
});

const readme = read('README.md');
const unit = unitFile(read('deploy/monai-pod-bot.service'));
const unitService = unit['Service'] ?? {};
const unitValue = (key: string) => unitService[key]?.at(-1);

describe('Docker image', () => {
  it('builds from files that exist in the repository and are not left out by .dockerignore', () => {
    const sources = docker
      .filter((instruction) => instruction.keyword === 'COPY' && !/--from=/.test(instruction.args))
      .flatMap((instruction) => instruction.args.split(/\s+/).filter((token) => !token.startsWith('--')).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src/']));
    for (const source of sources) {
      expect(inRepo(source), `${source} is copied into the image`).toBe(true);
      expect(ignoredBy(dockerignore, source), `.dockerignore leaves out ${source}`).toBe(false);
    }
  });

  it('keeps .env, the SSH key, the database and node_modules out of the build context', () => {
    for (const path of ['.env', 'data/ssh/id_ed25519', 'data/monai-pod-bot.sqlite', 'node_modules/better-sqlite3', 'dist/main.js']) {
      expect(ignoredBy(dockerignore, path), path).toBe(true);
    }
  });

  it('runs a Node version package.json accepts, the same in every stage', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const bases = docker.filter((instruction) => instruction.keyword === 'FROM').map((instruction) => instruction.args.split(/\s+/)[0]!);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bases).size, 'better-sqlite3 is compiled in one stage and loaded in the other').toBe(1);
    for (const base of bases) {
      // A floating tag (node:20) counts as its lowest release, so the base must be pinned to a minor.
      const tag = /^node:(\d+(?:\.\d+){0,2})(?:[-@]|$)/.exec(base)?.[1];
      expect(tag, `${base} is an official node image with a version`).toBeDefined();
      expect(semver.satisfies(semver.coerce(tag)!, engines), `${base} against engines ${engines}`).toBe(true);
    }
  });

  it('starts the compiled bot with node as the non-root user, not through npm', () => {
    const user = runtime.filter((instruction) => instruction.keyword === 'USER').at(-1)?.args;
    expect(user).toBe('node');
    const cmd = JSON.parse(runtime.find((instruction) => instruction.keyword === 'CMD')?.args ?? 'null') as string[] | null;
    expect(cmd).toEqual(['node', 'dist/main.js']);
    // dist/main.js is what the build makes of src/main.ts.
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(posix.normalize(build.compilerOptions.outDir)).toBe('dist');
    expect(posix.normalize(build.compilerOptions.rootDir)).toBe('src');
    expect(inRepo('src/main.ts')).toBe(true);
    expect(inRepo('dist/main.js'), 'test/global-setup.ts builds dist/ before the tests').toBe(true);
  });

  it('keeps the database on a volume the bot can write to', () => {
    const dataDir = posix.dirname(imageEnv['DATABASE_PATH'] ?? '');
    const volumes = runtime.filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.args.replace(/[[\]",]/g, ' ').split(/\s+/));
    expect(volumes).toContain(dataDir);
    expect(runtime.some((i) => i.keyword === 'RUN' && new RegExp(`chown\\b.*\\bnode\\b.*\\s${dataDir}(\\s|$)`).test(i.args))).toBe(true);
  });

  it('probes /healthz on the port the bot serves it on, and exposes that port and Slack’s', () => {
    const probe = runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(probe).toContain('/healthz');
    expect(probe).toMatch(/process\.env\.HEALTH_PORT\s*\|\|\s*process\.env\.PORT/);
    const exposed = runtime.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining([imageEnv['HEALTH_PORT'], VARIABLES.PORT.default]));
  });
});

describe('compose.yaml', () => {
  it('builds the service from the repository’s Dockerfile and restarts it after a crash or a reboot', () => {
    const build = typeof service.build === 'string' ? { context: service.build } : (service.build ?? {});
    expect(posix.normalize(build.context ?? '')).toBe('.');
    expect(posix.normalize(build.dockerfile ?? 'Dockerfile')).toBe('Dockerfile');
    expect(['always', 'unless-stopped']).toContain(service.restart);
  });

  it('keeps the database on a named volume and mounts the SSH key read-only where the bot looks for it', () => {
    const dataDir = posix.dirname(containerEnv['DATABASE_PATH'] ?? '');
    const data = mounts.find((mount) => mount.target === dataDir);
    expect(data, `a volume at ${dataDir}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    const key = mounts.find((mount) => mount.target === posix.dirname(containerEnv['SSH_PRIVATE_KEY_PATH'] ?? ''));
    expect(key?.readOnly, 'the SSH key’s folder is mounted read-only').toBe(true);
  });

  it('puts the LOG_FILE it suggests on the volume, in a folder the image gives the bot', () => {
    const suggested = /^\s*#\s*LOG_FILE:\s*(\S+)\s*$/m.exec(composeText)?.[1] ?? '';
    const dataDir = posix.dirname(containerEnv['DATABASE_PATH'] ?? '');
    expect(suggested.startsWith(`${dataDir}/`)).toBe(true);
    const folder = posix.dirname(suggested);
    expect(runtime.some((i) => i.keyword === 'RUN' && i.args.includes(`mkdir -p`) && i.args.includes(folder) && new RegExp(`chown -R node:node ${dataDir}\\b`).test(i.args))).toBe(true);
    expect(readme).toMatch(new RegExp(`\`${suggested}\`\\s+in\\s+the\\s+container`));
  });

  it('says that Docker does not restart an unhealthy container, and what a 503 is for', () => {
    expect(composeText).toMatch(/Docker never restarts a container for being\s+#\s+unhealthy/);
    const health = readme.slice(readme.indexOf('### Health'), readme.indexOf('### Logs'));
    expect(health).toMatch(/Nothing restarts the bot on a 503 by itself: Docker\s+only marks the container unhealthy/);
    expect(health).not.toMatch(/a supervisor should restart/);
  });

  it('gives the bot more time to stop than its shutdown takes', () => {
    expect(seconds(service.stop_grace_period ?? '10s')).toBeGreaterThan(SHUTDOWN_SECONDS);
  });
});

describe('systemd unit', () => {
  it('restarts the bot when it fails', () => {
    expect(['on-failure', 'always']).toContain(unitValue('Restart'));
    expect(unit['Install']?.['WantedBy']).toContain('multi-user.target');
  });

  it('runs dist/main.js from the folder that holds .env', () => {
    const workdir = unitValue('WorkingDirectory') ?? '';
    const [node = '', script = ''] = (unitValue('ExecStart') ?? '').split(/\s+/);
    expect(posix.basename(node)).toBe('node');
    expect(posix.relative(workdir, posix.resolve(workdir, script))).toBe('dist/main.js');
  });

  it('waits for the bot’s shutdown before killing it', () => {
    expect(['SIGTERM', 'SIGINT']).toContain(unitValue('KillSignal') ?? 'SIGTERM');
    expect(seconds(unitValue('TimeoutStopSec') ?? '90')).toBeGreaterThan(SHUTDOWN_SECONDS);
  });

  it('does not restart the bot after a configuration or usage error, which a restart cannot fix', () => {
    const prevented = (unitService['RestartPreventExitStatus'] ?? []).flatMap((value) => value.split(/\s+/)).map(Number);
    expect(prevented).toEqual(expect.arrayContaining([EXIT.CONFIG, EXIT.USAGE]));
    expect(prevented).not.toContain(EXIT.FAILURE);
    // The README says which code means what, as the unit uses them.
    expect(readme).toContain(`RestartPreventExitStatus=${EXIT.USAGE} ${EXIT.CONFIG}`);
    expect(readme).toMatch(new RegExp(`${EXIT.CONFIG} a setting to\\s+fix`));
  });

  it('runs a Node that ProtectHome does not hide', () => {
    const node = (unitValue('ExecStart') ?? '').split(/\s+/)[0] ?? '';
    const hidden = ['true', 'yes', 'tmpfs'].includes(unitValue('ProtectHome') ?? 'no');
    if (hidden) expect(node).not.toMatch(/^\/(home|root|run\/user)\//);
    expect(posix.isAbsolute(node)).toBe(true);
    expect(readme).toMatch(/ProtectHome=true[\s\S]{0,80}hides home directories/);
  });

  it('lets the bot write every LOG_FILE the README suggests for it, under ProtectSystem=strict', () => {
    const workdir = unitValue('WorkingDirectory') ?? '';
    const writable = [
      ...(unitService['ReadWritePaths'] ?? []).flatMap((value) => value.split(/\s+/)),
      ...(unitService['LogsDirectory'] ?? []).flatMap((value) => value.split(/\s+/)).map((name) => posix.join('/var/log', name)),
    ];
    const suggested = [...readme.matchAll(/LOG_FILE=([^\s`),]+)/g)].map(([, path = '']) => path).filter((path) => !path.startsWith('/data/'));
    expect(suggested).toEqual(expect.arrayContaining(['/var/log/monai-pod-bot/bot.log', './data/logs/bot.log']));
    for (const path of suggested) {
      const folder = posix.dirname(posix.resolve(workdir, path));
      expect(writable.some((allowed) => folder === allowed || folder.startsWith(`${allowed}/`)), `${path} under the unit`).toBe(true);
    }
  });

  it('lets the bot write its database at the default path under ProtectSystem=strict', () => {
    const workdir = unitValue('WorkingDirectory') ?? '';
    const dataDir = posix.dirname(posix.resolve(workdir, VARIABLES.DATABASE_PATH.default ?? ''));
    const writable = (unitService['ReadWritePaths'] ?? []).flatMap((value) => value.split(/\s+/));
    expect(unitValue('ProtectSystem')).toBe('strict');
    expect(writable.some((path) => dataDir === path || dataDir.startsWith(`${path}/`))).toBe(true);
  });
});

describe('building better-sqlite3', () => {
  it('needs the tools the README’s prerequisites name, the ones the Dockerfile installs to compile it', () => {
    const build = docker.filter((instruction) => instruction.stage === 0 && instruction.keyword === 'RUN').map((instruction) => instruction.args).join(' ');
    const packages = /apt-get install[^&]*?--no-install-recommends\s+([^&]+)/.exec(build)?.[1]?.trim().split(/\s+/) ?? [];
    expect(packages).toEqual(['python3', 'make', 'g++']);
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Set it up for your lab')).replace(/\s+/g, ' ');
    expect(quickStart).toContain('**python3, make and a C++ compiler**');
    expect(quickStart).toContain(`sudo apt install ${packages.join(' ')}`);
    // How to tell: what npm install prints when it compiles, and when it cannot.
    expect(quickStart).toContain('No prebuilt binaries found');
    expect(quickStart).toContain('gyp ERR! find Python');
  });
});

describe('environment variables in the deployment files', () => {
  // Also the ones suggested in comments ("# LOG_FILE: …"): they are meant to be uncommented.
  const suggested = Object.fromEntries(
    [...composeText.matchAll(/^\s*#\s*([A-Z][A-Z0-9_]*):\s*(\S+)\s*$/gm)].map(([, name = '', value = '']) => [name, value]),
  );
  const set = {
    Dockerfile: imageEnv,
    'compose.yaml': { ...composeEnv, ...suggested },
    'deploy/monai-pod-bot.service': assignments((unitService['Environment'] ?? []).join(' ')),
  };

  it('are all variables the bot reads (or NODE_ENV), with values it accepts', () => {
    const known: Record<string, { schema: { safeParse(value: string): { success: boolean } } }> = VARIABLES;
    const unknown: string[] = [];
    for (const [file, variables] of Object.entries(set)) {
      for (const [name, value] of Object.entries(variables)) {
        if (name === 'NODE_ENV') continue;
        const variable = known[name];
        if (!variable) unknown.push(`${file}: ${name}`);
        else if (value) expect(variable.schema.safeParse(value).success, `${file}: ${name}=${value}`).toBe(true);
      }
    }
    expect(Object.keys(set.Dockerfile).length + Object.keys(set['compose.yaml']).length).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });
});
