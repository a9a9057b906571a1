import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonical, compareVersions, installedFor } from './resolver.js';

/** The CUDA a PyTorch build targets, from its local label (2.4.0+cu124 → 12.4); null for +cpu or none. */
export function torchCuda(torchVersion: string): string | null {
  const label = /\+cu(\d+)(\d)$/.exec(torchVersion);
  return label ? `${label[1]}.${label[2]}` : null;
}

/**
 * What MONAI Label's device list would be in the active venv (VIRTUAL_ENV), as the pod image's
 * torch stand-in decides it (src/sim/pod-image.ts): the GPU's name when torch's CUDA build runs
 * on the host's driver (SIMPOD_GPU_FILE), else ["cpu"]; null when the venv has no torch at all.
 */
export function torchDevices(env: NodeJS.ProcessEnv): string[] | null {
  const venv = env['VIRTUAL_ENV'];
  if (!venv || !existsSync(join(venv, 'pyvenv.cfg'))) return null;
  const torch = installedFor({ executable: join(venv, 'bin', 'python'), prefix: venv, venv: true }).get(canonical('torch'));
  if (!torch) return null;
  let gpu: { name?: string; driverCuda?: string } = {};
  try {
    gpu = JSON.parse(readFileSync(env['SIMPOD_GPU_FILE'] ?? '', 'utf8')) as typeof gpu;
  } catch {
    // no GPU file: the driver shows nothing
  }
  const cuda = torchCuda(torch.version);
  const runs = cuda !== null && Boolean(gpu.name) && Boolean(gpu.driverCuda) && compareVersions(gpu.driverCuda!, cuda) >= 0;
  return runs ? [gpu.name!] : ['cpu'];
}
