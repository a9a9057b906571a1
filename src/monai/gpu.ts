import { compareVersions } from './python-stack.js';

/** What the pod says about its GPU and the PyTorch MONAI Label imports. */
export interface GpuFacts {
  /** nvidia-smi's first GPU, null when it shows none (or is missing). */
  gpuName: string | null;
  /** The newest CUDA the host's driver supports (nvidia-smi's "CUDA Version"), null when unknown. */
  driverCuda: string | null;
  /** torch.version.cuda of the torch the venv imports; null for a CPU-only build. */
  torchCuda: string | null;
  torch: string | null;
}

/** Where MONAI Label computes, as people read it: the GPU's name, or the CPU and why. */
export type DeviceVerdict = { onGpu: true; name: string } | { onGpu: false; reason: string };

/** From /info/'s device list (["cpu"] when torch sees no GPU) and, when read, the pod's facts. */
export function deviceVerdict(device: readonly string[] | undefined, facts: GpuFacts | null): DeviceVerdict {
  const onCpu = device?.length === 1 && device[0] === 'cpu';
  if (!onCpu) return { onGpu: true, name: device && device.length > 0 ? device.join(', ') : facts?.gpuName ?? 'the GPU' };
  return { onGpu: false, reason: cpuReason(facts) };
}

export function cpuReason(facts: GpuFacts | null): string {
  if (!facts) return 'PyTorch cannot see the GPU (`/monai doctor` tells why)';
  const torch = facts.torch ? `torch ${facts.torch}` : 'PyTorch';
  if (facts.torch && !facts.torchCuda) return `${torch} in the venv is a CPU-only build (torch without CUDA)`;
  if (!facts.gpuName && !facts.driverCuda) return 'the pod shows no NVIDIA GPU (nvidia-smi lists none)';
  if (facts.driverCuda && facts.torchCuda && compareVersions(facts.driverCuda, facts.torchCuda) < 0) {
    return `the host’s NVIDIA driver is too old: it supports CUDA up to ${facts.driverCuda}, and ${torch} was built for CUDA ${facts.torchCuda}`;
  }
  return `${torch} (CUDA ${facts.torchCuda ?? '?'}) cannot use ${facts.gpuName ?? 'the GPU'} (driver CUDA ${facts.driverCuda ?? '?'})`;
}
