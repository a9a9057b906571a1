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
  /** `gate`: the digest the gate in front of MONAI Label names (null: no gate answered). */
  | { kind: 'ok'; info: MonaiInfo; gate: string | null }
  /** The port answered but /info/ failed, e.g. 500 when Orthanc is unreachable. */
  | { kind: 'error'; status: number; detail: string }
  /** Nothing answered (connection refused, reset, timeout). */
  | { kind: 'unreachable'; reason: string };

/** What MONAI Label says about people using it: read every sample, compared with the previous one. */
export interface ActivityReading {
  /** Labels saved, from /info/ (null when /info/ fails, e.g. Orthanc down). */
  labelled: number | null;
  labelTags: Record<string, number>;
  /** A training task RUNNING or SUBMITTED. */
  training: boolean;
  /** The newest line of the app log that shows a person at work (inference, label save, next sample). */
  lastEvent: string | null;
}

/** What the public port serves to someone without the secret URL. */
export type Exposure =
  /** Every probe got a bare 404: only the secret URL is admitted. */
  | { kind: 'closed' }
  /** Nothing answers on the port (the gate is down). */
  | { kind: 'refused'; reason: string }
  /** Something answered without the secret: the gate is bypassed or another server holds the port. */
  | { kind: 'open'; path: string; status: number };

/** Every call but exposure() takes the base with the secret path segment, `http://IP:PORT/<token>`. */
export interface MonaiApi {
  /** null when MONAI Label cannot be read (not answering, or its log and training endpoints fail). */
  activity(baseUrl: string, signal?: AbortSignal): Promise<ActivityReading | null>;
  /** GET / : cheap liveness that does not touch the DICOMweb server. */
  alive(baseUrl: string, signal?: AbortSignal): Promise<boolean>;
  info(baseUrl: string, signal?: AbortSignal): Promise<InfoAnswer>;
  /** Asks the public port's root (`http://IP:PORT`) for MONAI Label's pages without the secret. */
  exposure(rootUrl: string, signal?: AbortSignal): Promise<Exposure>;
}
