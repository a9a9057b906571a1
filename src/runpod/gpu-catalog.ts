/**
 * RunPod's GPU type ids, as a list kept in the project: what GPU_TYPES is checked against when
 * RunPod's API cannot be asked, and where "did you mean …?" suggestions come from.
 *
 * Source: RunPod's documentation, "GPU types" (https://docs.runpod.io/references/gpu-types),
 * runpod/docs @ a900806 (2026-08-20), table generated 2026-02-12: the GPU ID column (what
 * podFindAndDeployOnDemand's gpuTypeId and REST v2's gpu.id take), the display name and the memory.
 * RunPod adds types over time: the API's answer wins over this list wherever it is available.
 */
import { editDistance } from '../util/edit-distance.js';

export interface KnownGpuType {
  id: string;
  displayName: string;
  memoryInGb: number;
}

export const GPU_CATALOG_SOURCE = 'RunPod’s GPU types page (docs.runpod.io/references/gpu-types, 2026-08)';

const rows: [string, string, number][] = [
  ['AMD Instinct MI300X OAM', 'MI300X', 192],
  ['NVIDIA A100 80GB PCIe', 'A100 PCIe', 80],
  ['NVIDIA A100-SXM4-80GB', 'A100 SXM', 80],
  ['NVIDIA A30', 'A30', 24],
  ['NVIDIA A40', 'A40', 48],
  ['NVIDIA B200', 'B200', 180],
  ['NVIDIA B300 SXM6 AC', 'B300', 288],
  ['NVIDIA GeForce RTX 3070', 'RTX 3070', 8],
  ['NVIDIA GeForce RTX 3080', 'RTX 3080', 10],
  ['NVIDIA GeForce RTX 3080 Ti', 'RTX 3080 Ti', 12],
  ['NVIDIA GeForce RTX 3090', 'RTX 3090', 24],
  ['NVIDIA GeForce RTX 3090 Ti', 'RTX 3090 Ti', 24],
  ['NVIDIA GeForce RTX 4070 Ti', 'RTX 4070 Ti', 12],
  ['NVIDIA GeForce RTX 4080', 'RTX 4080', 16],
  ['NVIDIA GeForce RTX 4080 SUPER', 'RTX 4080 SUPER', 16],
  ['NVIDIA GeForce RTX 4090', 'RTX 4090', 24],
  ['NVIDIA GeForce RTX 5080', 'RTX 5080', 16],
  ['NVIDIA GeForce RTX 5090', 'RTX 5090', 32],
  ['NVIDIA H100 80GB HBM3', 'H100 SXM', 80],
  ['NVIDIA H100 NVL', 'H100 NVL', 94],
  ['NVIDIA H100 PCIe', 'H100 PCIe', 80],
  ['NVIDIA H200', 'H200 SXM', 141],
  ['NVIDIA H200 NVL', 'H200 NVL', 143],
  ['NVIDIA L4', 'L4', 24],
  ['NVIDIA L40', 'L40', 48],
  ['NVIDIA L40S', 'L40S', 48],
  ['NVIDIA RTX 2000 Ada Generation', 'RTX 2000 Ada', 16],
  ['NVIDIA RTX 4000 Ada Generation', 'RTX 4000 Ada', 20],
  ['NVIDIA RTX 4000 SFF Ada Generation', 'RTX 4000 Ada SFF', 20],
  ['NVIDIA RTX 5000 Ada Generation', 'RTX 5000 Ada', 32],
  ['NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada', 48],
  ['NVIDIA RTX A2000', 'RTX A2000', 6],
  ['NVIDIA RTX A4000', 'RTX A4000', 16],
  ['NVIDIA RTX A4500', 'RTX A4500', 20],
  ['NVIDIA RTX A5000', 'RTX A5000', 24],
  ['NVIDIA RTX A6000', 'RTX A6000', 48],
  ['NVIDIA RTX PRO 4500 Blackwell', 'RTX PRO 4500', 32],
  ['NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition', 'RTX PRO 6000 MaxQ', 96],
  ['NVIDIA RTX PRO 6000 Blackwell Server Edition', 'RTX PRO 6000', 96],
  ['NVIDIA RTX PRO 6000 Blackwell Workstation Edition', 'RTX PRO 6000 WK', 96],
  ['Tesla V100-PCIE-16GB', 'Tesla V100', 16],
  ['Tesla V100-SXM2-16GB', 'V100 SXM2', 16],
  ['Tesla V100-SXM2-32GB', 'V100 SXM2 32GB', 32],
];

export const KNOWN_GPU_TYPES: readonly KnownGpuType[] = rows.map(([id, displayName, memoryInGb]) => ({ id, displayName, memoryInGb }));

export function knownGpuType(id: string): KnownGpuType | undefined {
  return KNOWN_GPU_TYPES.find((gpu) => gpu.id === id);
}

/** "NVIDIA GeForce RTX 4090", "rtx-4090" and "RTX 4090" all become "rtx4090". */
function squash(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b(nvidia|geforce|amd|tesla)\b/g, '')
    .replace(/[^a-z0-9]/g, '');
}

/**
 * The known GPU type a mistyped or display-name id most likely meant ("NVIDIA GeForce RTX 4909",
 * "RTX 4090" → NVIDIA GeForce RTX 4090), or undefined when nothing is close. Ties go to list order.
 */
export function closestGpuType(typed: string, candidates: readonly KnownGpuType[] = KNOWN_GPU_TYPES): KnownGpuType | undefined {
  const target = squash(typed);
  if (!target) return undefined;
  let best: KnownGpuType | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const gpu of candidates) {
    const names = [squash(gpu.id), squash(gpu.displayName)];
    // "H100" or "A100" name a family: its first member is a better guess than a neighbour one edit away.
    const value = names.includes(target) ? 0 : names.some((name) => name.startsWith(target)) ? 0.5 : Math.min(...names.map((name) => editDistance(target, name)));
    if (value < bestDistance) [best, bestDistance] = [gpu, value];
  }
  // Close means a slip of the keyboard, not another model: at most two edits, and never most of the name.
  return bestDistance <= Math.max(0.5, Math.min(2, Math.floor(target.length / 3))) ? best : undefined;
}

/** " — did you mean “NVIDIA GeForce RTX 4090” (RTX 4090)?", or "" when nothing is close. */
export function didYouMeanGpu(typed: string, candidates?: readonly KnownGpuType[]): string {
  const guess = closestGpuType(typed, candidates);
  return guess && guess.id !== typed ? ` — did you mean “${guess.id}” (${guess.displayName})?` : '';
}
