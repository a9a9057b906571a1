import { z } from 'zod';
import { GPU_ID, int, list, num, spec, text, url } from './spec.js';

export const RUNPOD_VARIABLES = {
  // ---- RunPod
  RUNPOD_API_KEY: spec({
    name: 'RUNPOD_API_KEY',
    doc: 'RunPod API key (read/write); empty = the console uses the built-in simulator',
    secret: true,
    schema: text('expected a RunPod API key (letters, digits, _ and -)', /^[A-Za-z0-9_-]{8,}$/),
  }),
  RUNPOD_API: spec({
    name: 'RUNPOD_API',
    default: 'v2',
    doc: 'RunPod API the bot uses: v2 (REST, the default) or graphql (RunPod retires it in early 2027)',
    schema: z.enum(['v2', 'graphql'], { message: 'expected v2 or graphql' }),
  }),
  RUNPOD_API_URL: spec({
    name: 'RUNPOD_API_URL',
    doc: 'Override of RunPod’s API address: the v2 base (default https://api.runpod.io/v2; the balance is read from /graphql beside it) or, with RUNPOD_API=graphql, the GraphQL endpoint (default https://api.runpod.io/graphql)',
    schema: url('RunPod’s API address'),
  }),
  POD_NAME: spec({
    name: 'POD_NAME',
    default: 'monai-label',
    doc: 'Name of the lab’s pod; the bot finds it by this name before deploying',
    schema: text('expected 1–64 letters, digits, dots, dashes or underscores', /^[A-Za-z0-9._-]{1,64}$/),
  }),
  GPU_TYPES: spec({
    name: 'GPU_TYPES',
    default:
      'NVIDIA GeForce RTX 4090,NVIDIA GeForce RTX 3090,NVIDIA RTX A5000,NVIDIA RTX A4500,NVIDIA RTX A4000,NVIDIA L4,NVIDIA RTX A6000',
    doc: 'GPU type ids in order of preference (RunPod’s full ids, each with ≥ 12 GB)',
    schema: list(
      text('expected RunPod GPU ids such as “NVIDIA GeForce RTX 4090”, comma-separated', GPU_ID),
    ).pipe(z.array(z.string()).min(1, { message: 'expected at least one GPU type id' })),
  }),
  CLOUD_TYPE: spec({
    name: 'CLOUD_TYPE',
    default: 'COMMUNITY',
    doc: 'COMMUNITY, SECURE or ALL (v2 has no ALL: the bot tries COMMUNITY, then SECURE)',
    schema: z.enum(['COMMUNITY', 'SECURE', 'ALL'], { message: 'expected COMMUNITY, SECURE or ALL' }),
  }),
  COUNTRY_CODE: spec({
    name: 'COUNTRY_CODE',
    default: 'US',
    doc: 'Two-letter country the pod must be in',
    schema: text('expected a two-letter country code such as US', /^[A-Z]{2}$/),
  }),
  CONTAINER_DISK_GB: spec({
    name: 'CONTAINER_DISK_GB',
    default: '10',
    doc: 'Container disk in GB (wiped on every stop)',
    schema: int(5, 500),
  }),
  VOLUME_GB: spec({
    name: 'VOLUME_GB',
    default: '30',
    doc: 'Pod volume in GB: holds the venv, models and cache; kept (and billed) while stopped',
    schema: int(10, 2000),
  }),
  VOLUME_MOUNT_PATH: spec({
    name: 'VOLUME_MOUNT_PATH',
    default: '/workspace',
    doc: 'Where the volume is mounted in the pod',
    schema: text('expected an absolute path of letters, digits, dots, dashes, underscores and slashes', /^\/[A-Za-z0-9._/-]*$/),
  }),
  IMAGE_NAME: spec({
    name: 'IMAGE_NAME',
    default: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
    doc: 'Container image: a RunPod PyTorch image whose torch MONAI Label reuses (Python 3.9–3.12; MONAI_SAM2=true needs torch ≥ 2.5.1)',
    schema: text(
      'expected a container image reference such as runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04',
      /^[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$/,
    ),
  }),
  MIN_CUDA_VERSION: spec({
    name: 'MIN_CUDA_VERSION',
    doc: 'CUDA version the host’s driver must support, sent as RunPod’s minCudaVersion (optional; default: the CUDA version in IMAGE_NAME’s tag, e.g. cuda12.4.1 → 12.4)',
    schema: text('expected a CUDA version such as 12.4', /^\d{2}\.\d$/),
  }),
  POD_READY_TIMEOUT_MINUTES: spec({
    name: 'POD_READY_TIMEOUT_MINUTES',
    default: '15',
    doc: 'How long to wait for RunPod to map the pod’s ports after a deploy or resume',
    schema: num(0.01, 120),
  }),
  RUNPOD_POLL_SECONDS: spec({
    name: 'RUNPOD_POLL_SECONDS',
    default: '3',
    doc: 'Interval between RunPod reads while waiting for a pod',
    schema: num(0.01, 60),
  }),
};
