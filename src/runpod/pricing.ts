/**
 * RunPod's published storage prices, in one place. GPU prices are never hard-coded: they come
 * from the API (costPerHr, gpuTypes).
 */
export const STORAGE_PRICES = {
  /** Volume disk while the pod runs. Source: https://docs.runpod.io/pods/pricing ("Pod volume"). */
  volumeRunningPerGbMonth: 0.1,
  /** Volume disk while the pod is stopped (twice the running rate). Source: https://docs.runpod.io/pods/pricing. */
  volumeStoppedPerGbMonth: 0.2,
  /** Container disk, charged only while running. Source: https://docs.runpod.io/pods/pricing. */
  containerPerGbMonth: 0.1,
  /** Network volume under 1 TB. Source: https://docs.runpod.io/storage/network-volumes. */
  networkVolumePerGbMonth: 0.07,
} as const;

/**
 * RunPod does not say how many hours its "month" has; 730 h (365 × 24 / 12) is the convention
 * Google Cloud Billing uses. Figures derived from it are labelled estimates.
 */
export const HOURS_PER_MONTH = 730;
