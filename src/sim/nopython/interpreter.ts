/**
 * The no-Python stand-in's `python` and `pip`: on a machine without Python 3.9–3.12 with venv, the
 * console's simulated pod (and the tests' pod) put these on the pod instead of CPython, so the bot's
 * real scripts still run end to end against the Node MONAI Label stand-in (./monailabel/).
 *
 * They understand exactly what the bot's scripts ask, listed in the tables below, and nothing else:
 * anything unknown fails loudly (exit 2, a message naming this file). When a script in src/monai/
 * starts asking something new, add a row here; test/sim/nopython.test.ts runs the real setup script
 * through these tables, so a change that breaks them fails a test.
 *
 *   python -V | --version                         "Python 3.11.9"
 *   python -c PROGRAM / python - < PROGRAM        PROGRAMS below, matched on the program text
 *   python SCRIPT.py ARGS…                        SCRIPTS below, matched on the file's sha256:
 *   python <volume>/.monai-pod-bot/gate.py <volume>/.monai-pod-bot/gate.json
 *                                                 the gate (setup-script.ts gateFunctions), run by
 *                                                 ./gate/, its Node twin of src/monai/gate.py
 *   python -m venv [--system-site-packages] [--without-pip] DIR
 *   python -m pip …  (= pip …)                     see ./pip.ts: install (-c, -r, --no-deps), wheel,
 *                                                 uninstall, check, list --path; from find-links folders only
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MARKER } from '../../monai/setup-script.js';
import { PYTHON_FACTS } from '../../monai/stack-script.js';
import { gateMain, MIRRORED_GATE_SHA256 } from './gate/main.js';
import { pipCommand } from './pip.js';
import { canonical, installedFor, SITE } from './resolver.js';
import { torchCuda } from './torch.js';
import { createVenv, PYTHON_VERSION, type Interpreter } from './venv.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  stdin(): Promise<string>;
}

interface Program {
  /** Who sends it, so a row can be removed when its sender is. */
  sender: string;
  /** The exact program (after trimming each line's end) or a pattern over it. */
  text: string | RegExp;
  run(python: Interpreter, io: Io, match: RegExpExecArray | null): number | Promise<number>;
}

const PROGRAMS: readonly Program[] = [
  {
    sender: 'src/monai/setup-script.ts (which monailabel is installed?)',
    text: /^import importlib\.metadata as m; print\(m\.version\("([A-Za-z0-9_.-]+)"\)\)$/,
    run: (python, io, match) => metadataVersion(python, io, match![1]!, true),
  },
  {
    sender: 'src/monai/stack-script.ts sam2Step (is SAM 2 installed? the exit code says)',
    text: /^import importlib\.metadata as m; m\.version\("([A-Za-z0-9_.-]+)"\)$/,
    run: (python, io, match) => metadataVersion(python, io, match![1]!, false),
  },
  {
    sender: 'src/monai/stack-script.ts PYTHON_FACTS (this Python, its torch pair and torch’s CUDA build, monailabel, sam2)',
    text: PYTHON_FACTS.split('\n').map((line) => line.trimEnd()).join('\n').trim(),
    run: (python, io) => {
      const installed = installedFor(python);
      const version = (name: string) => installed.get(canonical(name))?.version ?? 'none';
      const torch = version('torch');
      io.out(`path=${python.executable} version=${PYTHON_VERSION} torch=${torch} torchvision=${version('torchvision')} cuda=${torchCuda(torch) ?? 'none'} monailabel=${version('monailabel')} sam2=${version('sam2')}\n`);
      return 0;
    },
  },
  {
    sender: 'src/monai/stack-script.ts (the venv’s own site-packages, for pip list --path)',
    text: 'import sysconfig; print(sysconfig.get_paths()["purelib"])',
    run: (python, io) => {
      io.out(`${join(python.prefix, SITE)}\n`);
      return 0;
    },
  },
  {
    sender: 'src/monai/setup-script.ts probeScript (which Python is it?)',
    text: 'import platform; print(platform.python_version())',
    run: (_python, io) => {
      io.out(`${PYTHON_VERSION}\n`);
      return 0;
    },
  },
  {
    sender: 'test/helpers (the interpreter’s absolute path)',
    text: 'import sys; print(sys.executable)',
    run: (python, io) => {
      io.out(`${python.executable}\n`);
      return 0;
    },
  },
  {
    sender: 'src/monai/doctor-script.ts (does the DICOMweb server answer from the pod?)',
    text: /^import base64, json, os, urllib\.error, urllib\.request\nurl = os\.environ\["DOCTOR_DICOMWEB_URL"\][\s\S]*check=dicomweb[\s\S]*$/,
    run: (_python, io) => qido(io),
  },
];

interface Script {
  sender: string;
  /** What the file is called on the pod, for messages. */
  name: string;
  /** The sha256 of the exact file this row mirrors: any other content is refused. */
  sha256: string;
  run(args: readonly string[], io: Io): Promise<number>;
}

const SCRIPTS: readonly Script[] = [
  {
    sender: 'src/monai/setup-script.ts gateFunctions (the gate on the pod’s exposed port)',
    name: 'gate.py',
    sha256: MIRRORED_GATE_SHA256,
    run: (args, io) => gateMain(args, io),
  },
];

/** `python FILE ARGS…`: a script the bot writes to the pod, by its content. */
async function runScript(io: Io, file: string, args: readonly string[]): Promise<number> {
  let source: Buffer;
  try {
    source = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(`python3: can't open file '${resolve(file)}': [Errno ${code === 'ENOENT' ? 2 : 13}] ${code === 'ENOENT' ? 'No such file or directory' : 'Permission denied'}\n`);
    return 2;
  }
  const sha256 = createHash('sha256').update(source).digest('hex');
  const script = SCRIPTS.find((candidate) => candidate.sha256 === sha256);
  if (script) return script.run(args, io);
  const namesake = SCRIPTS.find((candidate) => candidate.name === basename(file));
  const hint = namesake
    ? ` (a ${namesake.name} other than the one src/sim/nopython mirrors: bring its Node twin in step with it, then update that row's sha256 to ${sha256})`
    : '';
  return unknown(io, `python ${file}${hint}`);
}

/** importlib.metadata.version(name), printed or not: a traceback and exit 1 when it is not installed. */
function metadataVersion(python: Interpreter, io: Io, name: string, print: boolean): number {
  const version = installedFor(python).get(canonical(name))?.version;
  if (version) {
    if (print) io.out(`${version}\n`);
    return 0;
  }
  io.err(`Traceback (most recent call last):\n  File "<string>", line 1, in <module>\nimportlib.metadata.PackageNotFoundError: No package metadata was found for ${name}\n`);
  return 1;
}

/** The doctor's QIDO-RS query, as its Python program does it: a marker line with the outcome. */
async function qido(io: Io): Promise<number> {
  const url = `${(io.env['DOCTOR_DICOMWEB_URL'] ?? '').replace(/\/+$/, '')}/series?Modality=CT&limit=1`;
  const headers: Record<string, string> = { Accept: 'application/dicom+json' };
  const [user, password] = [io.env['MONAI_LABEL_DICOMWEB_USERNAME'], io.env['MONAI_LABEL_DICOMWEB_PASSWORD']];
  if (user && password) headers['Authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
    const body = (await response.text()) || '[]';
    if (response.status >= 400) {
      io.out(`${MARKER} check=dicomweb status=${response.status}\n`);
      return 0;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      io.out(`${MARKER} check=dicomweb status=error reason=JSONDecodeError\n`);
      return 0;
    }
    const count = Array.isArray(parsed) ? parsed.length : Object.keys(parsed as object).length;
    io.out(`${MARKER} check=dicomweb status=${response.status} count=${count}\n`);
  } catch (error) {
    io.out(`${MARKER} check=dicomweb status=error reason=${(error as Error).name === 'TimeoutError' ? 'TimeoutError' : 'URLError'}\n`);
  }
  return 0;
}

function unknown(io: Io, what: string): number {
  io.err(
    `monai-pod-bot's no-Python stand-in does not understand: ${what}\n` +
      'It answers only what the bot’s scripts ask, listed in src/sim/nopython/interpreter.ts: add it there, ' +
      'or install Python 3.9–3.12 with venv (Debian/Ubuntu: apt-get install python3-venv) to use the real one.\n',
  );
  return 2;
}

async function runProgram(python: Interpreter, io: Io, source: string): Promise<number> {
  const text = source.split('\n').map((line) => line.trimEnd()).join('\n').trim();
  for (const program of PROGRAMS) {
    if (typeof program.text === 'string' ? program.text === text : program.text.test(text)) {
      return program.run(python, io, typeof program.text === 'string' ? null : program.text.exec(text));
    }
  }
  return unknown(io, `python program ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`);
}

/** `python …` */
export async function python(self: Interpreter, args: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = args;
  if (first === '-V' || first === '--version') {
    io.out(`Python ${PYTHON_VERSION}\n`);
    return 0;
  }
  if (first === '-c' && rest[0] !== undefined) return runProgram(self, io, rest[0]);
  if (first === '-') return runProgram(self, io, await io.stdin());
  if (first !== undefined && !first.startsWith('-')) return runScript(io, first, rest);
  if (first === '-m' && rest[0] === 'pip') return pip(self, rest.slice(1), io);
  if (first === '-m' && rest[0] === 'venv') {
    const flags = rest.slice(1, -1);
    const dir = rest.at(-1);
    if (dir === undefined || dir.startsWith('-') || flags.some((flag) => !['--system-site-packages', '--without-pip'].includes(flag))) {
      return unknown(io, `python -m venv ${rest.slice(1).join(' ')}`);
    }
    await createVenv(self, dir, flags.includes('--system-site-packages'), !flags.includes('--without-pip'));
    return 0;
  }
  return unknown(io, `python ${args.join(' ')}`);
}

/** `pip …`: see ./pip.ts. */
export async function pip(self: Interpreter, args: readonly string[], io: Io): Promise<number> {
  return pipCommand(self, args, io, unknown);
}
