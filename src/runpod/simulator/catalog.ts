/**
 * The simulator's GPU catalog. Prices are round illustrative figures in the range RunPod listed
 * in 2025–2026 (an RTX 4090 on Community Cloud about $0.70/hr); they are simulator data, not
 * quotes. The bot itself always reads prices from the API.
 */
export interface SimGpuType {
  id: string;
  displayName: string;
  memoryInGb: number;
  communityPrice: number;
  securePrice: number;
}

export const SIM_GPU_TYPES: readonly SimGpuType[] = [
  { id: 'NVIDIA GeForce RTX 4090', displayName: 'RTX 4090', memoryInGb: 24, communityPrice: 0.69, securePrice: 0.79 },
  { id: 'NVIDIA GeForce RTX 3090', displayName: 'RTX 3090', memoryInGb: 24, communityPrice: 0.43, securePrice: 0.46 },
  { id: 'NVIDIA RTX A5000', displayName: 'RTX A5000', memoryInGb: 24, communityPrice: 0.36, securePrice: 0.44 },
  { id: 'NVIDIA RTX A4500', displayName: 'RTX A4500', memoryInGb: 20, communityPrice: 0.34, securePrice: 0.4 },
  { id: 'NVIDIA RTX A4000', displayName: 'RTX A4000', memoryInGb: 16, communityPrice: 0.32, securePrice: 0.38 },
  { id: 'NVIDIA L4', displayName: 'L4', memoryInGb: 24, communityPrice: 0.43, securePrice: 0.48 },
  { id: 'NVIDIA RTX A6000', displayName: 'RTX A6000', memoryInGb: 48, communityPrice: 0.76, securePrice: 0.98 },
  { id: 'NVIDIA A100 80GB PCIe', displayName: 'A100 PCIe', memoryInGb: 80, communityPrice: 1.64, securePrice: 1.89 },
];

/**
 * The simulator's data centers. RunPod's data center objects carry no country: a client learns
 * which ids are in a country from the GPU catalog filtered by `countryCodes`. Listed outside the
 * US first, so a deploy that forgets to constrain placement lands abroad and a test sees it.
 */
export interface SimDataCenter {
  id: string;
  countryCode: string;
  region: 'NORTH_AMERICA' | 'EUROPE' | 'ASIA' | 'OCEANIA';
  clouds: readonly ('COMMUNITY' | 'SECURE')[];
}

export const SIM_DATA_CENTERS: readonly SimDataCenter[] = [
  { id: 'EU-RO-1', countryCode: 'RO', region: 'EUROPE', clouds: ['COMMUNITY', 'SECURE'] },
  { id: 'CA-MTL-1', countryCode: 'CA', region: 'NORTH_AMERICA', clouds: ['SECURE'] },
  { id: 'US-TX-3', countryCode: 'US', region: 'NORTH_AMERICA', clouds: ['COMMUNITY', 'SECURE'] },
  { id: 'US-KS-2', countryCode: 'US', region: 'NORTH_AMERICA', clouds: ['SECURE'] },
  { id: 'US-CA-2', countryCode: 'US', region: 'NORTH_AMERICA', clouds: ['COMMUNITY'] },
];

/** Data centers offering a cloud, in `countryCode` when given, restricted to `ids` when given. */
export function dataCentersFor(cloud: 'COMMUNITY' | 'SECURE', countryCode?: string, ids?: readonly string[]): SimDataCenter[] {
  return SIM_DATA_CENTERS.filter(
    (dc) => dc.clouds.includes(cloud) && (!countryCode || dc.countryCode === countryCode) && (!ids || ids.includes(dc.id)),
  );
}
