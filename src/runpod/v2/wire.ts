import { z } from 'zod';

/**
 * What the bot reads from REST v2 answers, checked on arrival (RunPod's answers are untrusted
 * input). Only the fields the bot uses; unknown ones are dropped. Statuses stay open strings so a
 * status RunPod adds later reads as "other", not as an unreadable answer.
 */

const runtimePort = z.object({
  private: z.number(),
  public: z.number().nullish(),
  type: z.string().nullish(),
  ip: z.string().nullish(),
});

export const wirePod = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  actions: z.array(z.string()).nullish(),
  image: z.string().nullish(),
  disk: z.number().nullish(),
  mounts: z
    .object({
      persistent: z.object({ size: z.number(), path: z.string() }).nullish(),
      network: z.array(z.object({ volumeId: z.string(), path: z.string() })).nullish(),
    })
    .nullish(),
  ports: z.array(z.string()).nullish(),
  env: z.record(z.string(), z.string()).nullish(),
  cost: z.number().nullish(),
  gpu: z.object({ id: z.string(), count: z.number().nullish() }).nullish(),
  runtime: z
    .object({
      uptime: z.number().nullish(),
      gpus: z.array(z.object({ util: z.number().nullish(), memoryUtil: z.number().nullish() })).nullish(),
      ports: z.array(runtimePort).nullish(),
    })
    .nullish(),
});
export type WirePod = z.infer<typeof wirePod>;

export const wirePodList = z.object({ pods: z.array(wirePod) });

const availability = z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH']);

export const wireGpuTypes = z.object({
  gpus: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullish(),
      memory: z.number().nullish(),
      price: z.object({ secure: z.number().nullish(), community: z.number().nullish() }).nullish(),
      availability: availability.nullish(),
      dataCenters: z.array(z.object({ id: z.string(), availability: availability.nullish() })).nullish(),
    }),
  ),
});
export type WireGpuTypes = z.infer<typeof wireGpuTypes>;

/** RFC 9457, as v2 sends it; every field optional here, since a proxy may send anything. */
export const wireProblem = z.object({
  title: z.string().nullish(),
  status: z.number().nullish(),
  detail: z.string().nullish(),
  errors: z.array(z.string()).nullish(),
});
export type WireProblem = z.infer<typeof wireProblem>;

export const wireLogEvent = z.object({ source: z.string().nullish(), line: z.string(), ts: z.string().nullish() });
