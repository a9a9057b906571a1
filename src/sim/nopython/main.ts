// The process behind the no-Python stand-in's wrappers: `main <tool> <wrapper path> [args…]` (see launcher.ts).
import { join } from 'node:path';
import { pip, python, type Io } from './interpreter.js';
import { monailabelMain } from './monailabel/cli.js';
import { installedVersion, interpreterAt } from './venv.js';

const [tool, argv0 = '', ...args] = process.argv.slice(2);
const self = interpreterAt(argv0);
const io: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

async function run(): Promise<number> {
  if (tool === 'python') return python(self, args, io);
  if (tool === 'pip') return pip(self, args, io);
  if (tool === 'monailabel') {
    // The installed "wheel" decides the version, as the real package's metadata does.
    const version = installedVersion(self, 'monailabel') ?? '0.0.0+source';
    return monailabelMain(args, version, join(self.prefix, 'lib', 'python3.11', 'site-packages'));
  }
  process.stderr.write(`monai-pod-bot's no-Python stand-in: unknown tool ${tool ?? '(none)'}\n`);
  return 2;
}

run().then(
  (code) => {
    // stdout may be a pipe still draining: exit once it has been handed over.
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
