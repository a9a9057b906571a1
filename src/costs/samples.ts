/** What the sampler records, per pod and for the account, each SAMPLE_MINUTES. */
export interface PodSample {
  at: number;
  podId: string;
  name: string;
  status: string;
  /** Highest GPU utilization across the pod's GPUs; null when RunPod gave none. */
  gpuUtil: number | null;
  costPerHr: number;
  volumeGb: number;
  uptimeSeconds: number | null;
  /** true idle, false active, null unknown (or not running). */
  idle: boolean | null;
  /** What kept it busy, e.g. "label saved", "training", "GPU 45%". */
  activity: string | null;
  /** The bot's pod ran but MONAI Label did not answer (null: not the bot's pod, or not running). */
  monaiDown: boolean | null;
}

export interface AccountSample {
  at: number;
  balance: number;
  spendPerHr: number;
}

export interface DigestRecord {
  /** The schedule slot this digest was for (or the time of an on-demand one). */
  scheduledFor: number;
  sentAt: number;
  channel: string | null;
  ts: string | null;
}
