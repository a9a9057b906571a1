import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { event } from './log.js';
import { APPS, MODELS } from './models.js';
import { loadFaults, startServer, type ServerArgs } from './server.js';

const USAGE = 'usage: monailabel [-h] [-v] {apps,start_server} ...\n';

/** Options each action takes: long name, short name, whether it takes a value (argparse's table). */
const OPTIONS: Record<string, readonly [string, string, boolean][]> = {
  apps: [
    ['download', 'd', false],
    ['name', 'n', true],
    ['output', 'o', true],
    ['clean', 'c', false],
  ],
  start_server: [
    ['app', 'a', true],
    ['studies', 's', true],
    ['conf', 'c', true],
    ['host', 'i', true],
    ['port', 'p', true],
    ['workers', 'w', true],
    ['log_config', 'l', true],
    ['dryrun', '', false],
  ],
};

interface Parsed {
  values: Map<string, string[]>;
  extra: string[];
}

function parse(action: string, args: readonly string[]): Parsed {
  const values = new Map<string, string[]>();
  const extra: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const option = OPTIONS[action]!.find(([long, short]) => flag === `--${long}` || (short !== '' && flag === `-${short}`));
    if (!option) {
      extra.push(arg);
      continue;
    }
    const [name, , takesValue] = option;
    const list = values.get(name) ?? [];
    if (!takesValue) list.push('true');
    // --conf KEY VALUE takes two.
    else if (name === 'conf') list.push(args[++index] ?? '', args[++index] ?? '');
    else list.push(inline ?? args[++index] ?? '');
    values.set(name, list);
  }
  return { values, extra };
}

function usageError(message: string): number {
  process.stderr.write(`${USAGE}monailabel: error: ${message}\n`);
  return 2;
}

/** The `monailabel` console script of the Node stand-in: -v, apps [--download], start_server. */
export async function monailabelMain(argv: readonly string[], version: string, site: string): Promise<number> {
  if (argv[0] === '-v' || argv[0] === '--version') {
    process.stdout.write(`MONAILabel version: ${version}\n`);
    return 0;
  }
  const [action, ...rest] = argv;
  if (action === undefined) return usageError('an action is required');
  if (!(action in OPTIONS)) return usageError(`argument action: invalid choice: '${action}' (choose from 'apps', 'start_server')`);
  const { values, extra } = parse(action, rest);
  const one = (name: string) => values.get(name)?.at(-1);
  if (action === 'start_server') {
    // The real server passes unknown flags on to uvicorn.
    for (const required of ['app', 'studies']) if (!one(required)) return usageError(`the following arguments are required: --${required}`);
    const conf = values.get('conf');
    const args: ServerArgs = {
      app: one('app')!,
      studies: one('studies')!,
      conf: conf ? Array.from({ length: conf.length / 2 }, (_, i) => [conf[2 * i]!, conf[2 * i + 1]!] as [string, string]) : null,
      host: one('host') ?? '0.0.0.0',
      port: Number(one('port') ?? 8000),
    };
    return startServer(args, version, site);
  }
  if (extra.length > 0) return usageError(`unrecognized arguments: ${extra.join(' ')}`);
  return apps(one('download') === 'true', one('name'), one('output') ?? '.');
}

async function apps(download: boolean, name: string | undefined, output: string): Promise<number> {
  if (!download) {
    const lines = ['Available Sample Apps are:', '-'.repeat(52), ...APPS.map((app) => `  ${app}`), ''];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  if (name === undefined || !APPS.includes(name)) {
    process.stdout.write(`App ${name ?? 'None'} NOT Found in [${APPS.map((app) => `'${app}'`).join(', ')}]\n`);
    return 255;
  }
  // A download that never finishes (GitHub unreachable from the pod, say): for the install's deadline.
  const hang = loadFaults().downloadHangSeconds;
  if (hang) await new Promise((resolve) => setTimeout(resolve, hang * 1000));
  // os.path.join, which keeps a leading "./".
  const outputDir = output.endsWith('/') ? `${output}${name}` : `${output}/${name}`;
  if (loadFaults().downloadNoSpace) {
    // The volume is full: copying the app fails as shutil does.
    process.stderr.write(`Traceback (most recent call last):\nOSError: [Errno 28] No space left on device: '${outputDir}'\n`);
    return 1;
  }
  if (existsSync(outputDir)) {
    // The real CLI calls exit(-1) here, which the shell sees as 255.
    process.stdout.write(`Directory already exists: ${outputDir}\n`);
    return 255;
  }
  mkdirSync(outputDir, { recursive: true });
  const write = (relative: string, text: string) => {
    const path = join(outputDir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  write('main.py', `# MONAI Label ${name} app (stand-in for monai-pod-bot tests)\n`);
  if (name === 'radiology') {
    write('lib/__init__.py', '');
    write('lib/configs/__init__.py', '');
    for (const [model, spec] of Object.entries(MODELS)) write(`lib/configs/${model}.py`, `class ${spec.className}:\n    pass\n`);
  }
  event('download', { app: name });
  process.stdout.write(`${name} is copied at: ${outputDir}\n`);
  return 0;
}
