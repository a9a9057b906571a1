import type { Logger } from '../../log.js';
import type { Clock } from '../../util/clock.js';
import type { CloudType } from '../api.js';
import { V2Failure } from './problems.js';
import type { V2Transport } from './transport.js';
import { wireGpuTypes, type WireGpuTypes } from './wire.js';

const DAY_MS = 24 * 3_600_000;
/** A deploy that could not learn its data centers sent nothing: the start loop may try again after this. */
const LOOKUP_RETRY_SECONDS = 10;

const CLOUD_NAME: Record<CloudType, string> = { COMMUNITY: 'Community Cloud', SECURE: 'Secure Cloud' };

/**
 * RunPod's GPU catalog for one cloud and country: prices, availability, and (the only place v2
 * says which data center is in which country) the data centers there. Data center ids are kept
 * for a day; GPU names as long as the process runs.
 */
export class V2Catalog {
  private readonly places = new Map<string, { ids: string[]; at: number }>();
  /** GPU type id → RunPod's name for it ("RTX 4090"), from any catalog answer so far. */
  readonly names = new Map<string, string>();

  constructor(
    private readonly transport: V2Transport,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async gpus(cloud: CloudType, countryCode: string, signal?: AbortSignal): Promise<WireGpuTypes['gpus']> {
    const answer = await this.transport.call(
      {
        operation: 'gpuTypes',
        method: 'GET',
        path: '/catalog/gpus',
        // cloud and countryCodes are only honoured with include=AVAILABILITY (a 400 otherwise).
        query: { include: 'AVAILABILITY', product: 'POD', cloud, countryCodes: countryCode, count: '1' },
        idempotent: true,
      },
      signal,
    );
    const parsed = wireGpuTypes.safeParse(answer);
    if (!parsed.success) throw new V2Failure('RUNPOD_TRANSIENT', 200, null, { message: 'RunPod sent a GPU catalog the bot cannot read.' });
    for (const gpu of parsed.data.gpus) if (gpu.name) this.names.set(gpu.id, gpu.name);
    this.places.set(`${cloud}:${countryCode}`, { ids: dataCenterIds(parsed.data.gpus), at: this.clock.now() });
    return parsed.data.gpus;
  }

  /** The data centers of `cloud` in `countryCode`, for a deploy's dataCenterIds. */
  async dataCenterIds(cloud: CloudType, countryCode: string, signal?: AbortSignal): Promise<string[]> {
    const key = `${cloud}:${countryCode}`;
    const known = this.places.get(key);
    if (known && this.clock.now() - known.at < DAY_MS) return known.ids;
    try {
      await this.gpus(cloud, countryCode, signal);
      return this.places.get(key)?.ids ?? [];
    } catch (error) {
      if (known) {
        this.logger.warn('RunPod catalog unreadable; deploying to yesterday’s data centers', { cloud, countryCode, ids: known.ids });
        return known.ids;
      }
      throw new V2Failure('RUNPOD_TRANSIENT', 0, null, {
        message: `RunPod’s catalog did not say which ${CLOUD_NAME[cloud]} data centers are in ${countryCode}, so nothing was deployed.`,
        retryAfterSeconds: LOOKUP_RETRY_SECONDS,
        cause: error,
      });
    }
  }
}

function dataCenterIds(gpus: WireGpuTypes['gpus']): string[] {
  return [...new Set(gpus.flatMap((gpu) => (gpu.dataCenters ?? []).map((dc) => dc.id)))];
}

export function cloudName(cloud: CloudType): string {
  return CLOUD_NAME[cloud];
}
