import { BotError } from '../errors.js';
import { baseRequirements, releasePins, type ReleasePins } from './pins.js';

/** One Python on the pod as the probe read it. */
export interface PodPython {
  /** How it was asked for: a command name (python3) or POD_PYTHON. */
  command: string;
  /** sys.executable. */
  path: string;
  version: string;
  /** importlib.metadata versions, null when absent; torch as installed, e.g. "2.4.0+cu124". */
  torch: string | null;
  torchvision: string | null;
  /** torch.version.cuda: the CUDA the torch build targets, null for a CPU-only build. */
  torchCuda: string | null;
}

export interface TriedPython {
  command: string;
  /** missing: no such command; failed: it did not answer; otherwise what it has. */
  found: PodPython | 'missing' | 'failed';
}

/** The settings the Python stack depends on, from the configuration. */
export interface StackSettings {
  version: string;
  sam2: boolean;
  imageName: string;
  /** POD_PYTHON, when set: used instead of looking for the Python that has torch. */
  pythonOverride: string | null;
}

/** Everything the install script needs beyond the scripts' settings: chosen from what the pod has. */
export interface InstallPlan {
  /** The interpreter the venv is made from (the one whose site-packages hold the image's torch). */
  python: string;
  pythonVersion: string;
  /** The image's pair, pinned so pip never replaces it (local labels such as +cu124 dropped). */
  torch: string;
  torchvision: string | null;
  sam2: boolean;
}

/** Where the install keeps its files on the volume: pip's cache and temp folders too, never the container disk. */
export function stackPaths(volume: string) {
  const state = `${volume}/.monai-pod-bot`;
  return {
    constraints: `${state}/constraints.txt`,
    requirements: `${state}/requirements.txt`,
    stamp: `${state}/stack.txt`,
    wheels: `${state}/wheels`,
    tmp: `${state}/tmp`,
    pipCache: `${volume}/.cache/pip`,
  };
}

/** The interpreters looked at, in order, when POD_PYTHON is not set. */
export const PYTHON_CANDIDATES = ['python3', 'python', 'python3.12', 'python3.11', 'python3.10'] as const;

/** Free space an install needs, in GB. The wheels are ~0.7 GB, installed ~2.5 GB, plus pip's cache and build folders. */
export const DISK_NEED_GB = { volume: 6, volumeSam2: 8, container: 1 } as const;

const publicVersion = (version: string) => version.split('+')[0]!;

/** Compares dotted release numbers (2.4.0 < 2.5.1 < 2.10); pre-release tags count as the release. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => publicVersion(v).split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The constraints file: the release's pins, plus the pod's own torch pair so pip keeps it. */
export function constraintsText(pins: ReleasePins, plan: InstallPlan): string {
  const pair = [`torch==${plan.torch}`, ...(plan.torchvision ? [`torchvision==${plan.torchvision}`] : [])];
  return [...pair, ...pins.constraints, pins.sam2.requirement, ''].join('\n');
}

export function requirementsText(pins: ReleasePins): string {
  return [...baseRequirements(pins), ''].join('\n');
}

export interface PipCommands {
  /** monailabel itself, without the requirements it declares. */
  monailabel: string[];
  /** Its requirements without SAM 2, under the constraints (and setuptools on Python 3.12: 0.8.5 imports distutils). */
  requirements: string[];
  /** SAM 2 built once, without build isolation (which would download another torch), into the volume's wheel folder. */
  sam2Build: string[];
  sam2Install: string[];
  check: string[];
}

/**
 * The pip commands of the install, as argument lists for the venv's `python`: the setup script
 * runs exactly these, and the tests run them with `--dry-run --report` against a local index.
 */
export function pipCommands(version: string, plan: InstallPlan, paths: ReturnType<typeof stackPaths>): PipCommands {
  const pins = releasePins(version);
  const pip = ['python', '-m', 'pip'];
  const install = [...pip, 'install', '--progress-bar', 'off', '-c', paths.constraints];
  const minor = Number(plan.pythonVersion.split('.')[1]);
  return {
    monailabel: [...install, '--no-deps', `monailabel==${version}`],
    requirements: [...install, '-r', paths.requirements, ...(minor >= 12 ? ['setuptools'] : [])],
    sam2Build: [...pip, 'wheel', '--progress-bar', 'off', '--no-deps', '--no-build-isolation', '-c', paths.constraints, '-w', paths.wheels, pins.sam2.requirement],
    sam2Install: [...install, '--find-links', paths.wheels, pins.sam2.requirement],
    check: [...pip, 'check'],
  };
}

/** A short fingerprint of the pins a venv was installed with: a venv from other pins (or none) is brought in line. */
export function stackStamp(version: string): string {
  const pins = releasePins(version);
  const text = [version, ...pins.requires, ...pins.constraints, pins.sam2.requirement].join('\n');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${version}-${hash.toString(16).padStart(8, '0')}`;
}

const SUPPORTED = { min: '3.9', max: '3.12' };

function pythonSupported(version: string): boolean {
  const minor = version.split('.').slice(0, 2).join('.');
  return compareVersions(minor, SUPPORTED.min) >= 0 && compareVersions(minor, SUPPORTED.max) <= 0;
}

function describeTried(tried: readonly TriedPython[]): string {
  return tried
    .map(({ command, found }) => {
      if (found === 'missing') return `${command}: not found`;
      if (found === 'failed') return `${command}: did not run`;
      return `${command}: Python ${found.version}${found.torch ? ` with torch ${found.torch}` : ' without torch'}`;
    })
    .join('; ');
}

function unsupportedPython(found: PodPython, settings: StackSettings): BotError {
  const minor = found.version.split('.').slice(0, 2).join('.');
  const why =
    compareVersions(minor, '3.13') >= 0
      ? `MONAI Label ${settings.version} cannot be installed on Python ${minor}: its numpymaxflow dependency does not build there (Project-MONAI/MONAILabel#1881).`
      : `MONAI Label ${settings.version} needs Python ${SUPPORTED.min} to ${SUPPORTED.max}.`;
  return new BotError('MONAI_INSTALL_FAILED', {
    message: `The pod’s PyTorch is under Python ${found.version} (${found.path}). ${why} Nothing was installed.`,
    action: `Use an image whose PyTorch runs on Python 3.10–3.12 (IMAGE_NAME, now ${settings.imageName})${settings.pythonOverride ? ', or another POD_PYTHON' : ''}, then \`/monai start\`.`,
  });
}

/** The interpreter the venv is made from: POD_PYTHON if set, else the first supported one that has torch. */
export function choosePython(tried: readonly TriedPython[], settings: StackSettings): { python: PodPython } | { error: BotError } {
  const withTorch = tried.flatMap(({ found }) => (typeof found === 'object' && found.torch ? [found] : []));
  const usable = withTorch.find((found) => pythonSupported(found.version));
  if (usable) return { python: usable };
  if (withTorch[0]) return { error: unsupportedPython(withTorch[0], settings) };
  const what = settings.pythonOverride ? `POD_PYTHON (${settings.pythonOverride}) cannot import torch` : 'No Python on the pod can import torch';
  return {
    error: new BotError('MONAI_INSTALL_FAILED', {
      message: `${what} (${describeTried(tried) || 'nothing answered'}). MONAI Label must reuse the image’s PyTorch: a venv without it would download a second torch with its CUDA wheels (≈ 2.5 GB). Nothing was installed.`,
      action: settings.pythonOverride
        ? 'Unset POD_PYTHON to let the bot find the Python that has torch, or point it at that Python; then `/monai start`.'
        : `Use a RunPod PyTorch image (IMAGE_NAME, now ${settings.imageName}) or set POD_PYTHON to the Python that has torch; then \`/monai start\`.`,
    }),
  };
}

/** The free space the pod reported, in GB (null: not reported). */
export interface DiskFacts {
  volumeFreeGb: number | null;
  containerFreeGb: number | null;
}

/** Refuses, before anything is installed, what cannot work: SAM 2 on an old torch, a disk without room. */
export function planInstall(python: PodPython, disk: DiskFacts, settings: StackSettings): { plan: InstallPlan } | { error: BotError } {
  const pins = releasePins(settings.version);
  const torch = publicVersion(python.torch ?? '0');
  if (settings.sam2 && compareVersions(torch, pins.sam2.minTorch) < 0) {
    return {
      error: new BotError('MONAI_INSTALL_FAILED', {
        message: `MONAI_SAM2=true needs PyTorch ${pins.sam2.minTorch} or newer for SAM 2, but the image’s torch is ${python.torch} (IMAGE_NAME=${settings.imageName}). Nothing was installed: installing SAM 2 here would download a second torch (≈ 2.5 GB) that may not match the host’s driver.`,
        action: `Choose an image with torch ${pins.sam2.minTorch} or newer in IMAGE_NAME (a new pod: \`/monai start new-pod\`), or set MONAI_SAM2=false to run without the SAM 2 models.`,
      }),
    };
  }
  if (settings.sam2 && compareVersions(python.version.split('.').slice(0, 2).join('.'), '3.10') < 0) {
    return {
      error: new BotError('MONAI_INSTALL_FAILED', {
        message: `MONAI_SAM2=true needs Python 3.10 or newer for SAM 2; the pod’s PyTorch is under Python ${python.version}. Nothing was installed.`,
        action: 'Choose an image with Python 3.10–3.12 in IMAGE_NAME, or set MONAI_SAM2=false.',
      }),
    };
  }
  const needVolume = settings.sam2 ? DISK_NEED_GB.volumeSam2 : DISK_NEED_GB.volume;
  if (disk.volumeFreeGb !== null && disk.volumeFreeGb < needVolume) {
    return { error: diskError('volume', disk.volumeFreeGb, needVolume) };
  }
  if (disk.containerFreeGb !== null && disk.containerFreeGb < DISK_NEED_GB.container) {
    return { error: diskError('container', disk.containerFreeGb, DISK_NEED_GB.container) };
  }
  return { plan: { python: python.path, pythonVersion: python.version, torch, torchvision: python.torchvision ? publicVersion(python.torchvision) : null, sam2: settings.sam2 } };
}

export function diskError(where: 'volume' | 'container', freeGb: number, needGb: number): BotError {
  const free = `${freeGb.toFixed(1)} GB`;
  if (where === 'volume') {
    return new BotError('MONAI_INSTALL_FAILED', {
      message: `The pod’s volume has ${free} free; installing MONAI Label needs about ${needGb} GB there (the packages, pip’s cache and its build folders all go on the volume). Nothing was installed.`,
      action: 'Free space on the volume, or raise VOLUME_GB (it applies to a new pod: `/monai start new-pod`, which loses this volume’s data); then `/monai start`.',
    });
  }
  return new BotError('MONAI_INSTALL_FAILED', {
    message: `The pod’s container disk has ${free} free; installing MONAI Label needs about ${needGb} GB there for the image’s own writes. Nothing was installed.`,
    action: 'Raise CONTAINER_DISK_GB (it applies to a new pod: `/monai start new-pod`); then `/monai start`.',
  });
}

/** What an install that ran out of room says, whatever step it was in. */
export function diskFullError(step: string, details: string): BotError {
  return new BotError('MONAI_INSTALL_FAILED', {
    message: `The disk filled up while installing MONAI Label (step: ${step}): “No space left on device”.`,
    action: `\`/monai doctor\` shows the free space. Raise VOLUME_GB (needs about ${DISK_NEED_GB.volume} GB free) or CONTAINER_DISK_GB for a new pod, or free space on the volume; then \`/monai start\` carries on.`,
    details,
  });
}
