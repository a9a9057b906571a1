/** MONAI Label's HTTP API, in the bot's terms. */
export interface MonaiInfo {
  name: string;
  version: string;
  models: string[];
  /** config.device of the first model, e.g. ["NVIDIA GeForce RTX 4090"] or ["cpu"]. */
  device: string[];
  /** Series the datastore sees (DICOMweb: CT series in Orthanc). */
  studies: number | null;
  labelled: number | null;
  labelTags: Record<string, number>;
}

export type InfoAnswer =
  | { kind: 'ok'; info: MonaiInfo }
  /** The port answered but /info/ failed, e.g. 500 when Orthanc is unreachable. */
  | { kind: 'error'; status: number; detail: string }
  /** Nothing answered (connection refused, reset, timeout). */
  | { kind: 'unreachable'; reason: string };

export interface MonaiApi {
  /** GET / : cheap liveness that does not touch the DICOMweb server. */
  alive(baseUrl: string, signal?: AbortSignal): Promise<boolean>;
  info(baseUrl: string, signal?: AbortSignal): Promise<InfoAnswer>;
}
