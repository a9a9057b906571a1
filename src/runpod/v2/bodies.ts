import type { CloudType, DeploySpec } from '../api.js';

/**
 * The body of POST /v2/pods for one GPU type in one cloud. v2's create body is closed (an unknown
 * field is a 422), so it carries exactly the schema's names: no supportPublicIp, no countryCode
 * (placement is dataCenterIds), env as an object, ports as a list, the volume under mounts.
 */
export function createPodBody(spec: DeploySpec, cloud: CloudType, dataCenterIds: readonly string[]) {
  return {
    name: spec.name,
    image: spec.imageName,
    // Sent every time: v2 defaults to Secure Cloud, the lab's pod is on Community Cloud.
    cloud,
    // Hosts whose driver can run the image's CUDA build; without it a pod can land where its container never starts.
    gpu: { id: spec.gpuTypeId, count: spec.gpuCount, ...(spec.minCudaVersion ? { minCudaVersion: spec.minCudaVersion } : {}) },
    disk: spec.containerDiskInGb,
    mounts: { persistent: { size: spec.volumeInGb, path: spec.volumeMountPath } },
    ports: spec.ports
      .split(',')
      .map((port) => port.trim())
      .filter(Boolean),
    env: { ...spec.env },
    startSsh: spec.startSsh,
    dataCenterIds: [...dataCenterIds],
  };
}
