/** The GraphQL documents the bot sends. The simulator validates them against its schema. */

const POD_FIELDS = `
fragment PodFields on Pod {
  id name desiredStatus lastStatusChange gpuCount costPerHr
  volumeInGb networkVolumeId env
  machine { gpuDisplayName }
  runtime {
    uptimeInSeconds
    ports { ip isIpPublic privatePort publicPort type }
    gpus { id gpuUtilPercent memoryUtilPercent }
  }
}`;

export const SNAPSHOT = `
query Snapshot {
  myself { id clientBalance currentSpendPerHr spendLimit pods { ...PodFields } }
}
${POD_FIELDS}`;

export const ONE_POD = `
query OnePod($input: PodFilter!) { pod(input: $input) { ...PodFields } }
${POD_FIELDS}`;

export const DEPLOY = `
mutation Deploy($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { ...PodFields } }
${POD_FIELDS}`;

export const RESUME = `
mutation Resume($input: PodResumeInput!) { podResume(input: $input) { ...PodFields } }
${POD_FIELDS}`;

export const STOP = `
mutation Stop($input: PodStopInput!) { podStop(input: $input) { ...PodFields } }
${POD_FIELDS}`;

export const TERMINATE = `
mutation Terminate($input: PodTerminateInput!) { podTerminate(input: $input) }`;

export const GPU_TYPES = `
query GpuTypes($input: GpuTypeFilter, $price: GpuLowestPriceInput) {
  gpuTypes(input: $input) {
    id displayName memoryInGb communityPrice securePrice
    lowestPrice(input: $price) { stockStatus uninterruptablePrice }
  }
}`;

// ---- wire shapes (only what the documents select)

export interface WirePod {
  id: string;
  name: string;
  desiredStatus: string;
  lastStatusChange: string | null;
  gpuCount: number;
  costPerHr: number;
  volumeInGb: number | null;
  networkVolumeId: string | null;
  env: (string | null)[] | null;
  machine: { gpuDisplayName: string | null } | null;
  runtime: {
    uptimeInSeconds: number | null;
    ports: ({ ip: string | null; isIpPublic: boolean | null; privatePort: number | null; publicPort: number | null; type: string | null } | null)[] | null;
    gpus: ({ id: string | null; gpuUtilPercent: number | null; memoryUtilPercent: number | null } | null)[] | null;
  } | null;
}

export interface WireGpuType {
  id: string | null;
  displayName: string | null;
  memoryInGb: number | null;
  communityPrice: number | null;
  securePrice: number | null;
  lowestPrice: { stockStatus: string | null; uninterruptablePrice: number | null } | null;
}
