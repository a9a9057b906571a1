import type { DigestInput } from '../../src/costs/digest.js';
import type { IdleState } from '../../src/costs/idle-policy.js';
import type { PodSample } from '../../src/costs/samples.js';
import { podFixture } from '../helpers/pods.js';

const HOUR = 3_600_000;
export const NOW = Date.UTC(2026, 10, 28, 19, 0, 0);

const pod = podFixture;

/** One running pod idle for the last 200 minutes of its 5 hours, two stopped pods, a low balance. */
export function digestFixture(): DigestInput {
  const samples: PodSample[] = Array.from({ length: 60 }, (_, index) => ({
    at: NOW - 5 * HOUR + (index + 1) * 5 * 60_000,
    podId: 'podmonai000001',
    name: 'monai-label',
    status: 'RUNNING',
    gpuUtil: index < 20 ? 40 : 0,
    costPerHr: 0.69,
    volumeGb: 30,
    uptimeSeconds: (index + 1) * 300,
    idle: index >= 20,
    activity: index < 20 ? 'inference' : null,
    monaiDown: false,
  }));
  const idle: IdleState = {
    podId: 'podmonai000001',
    idleSince: NOW - 200 * 60_000,
    lastSampleAt: NOW,
    lastActivityAt: NOW - 200 * 60_000,
    lastActivity: 'inference',
    fingerprint: 'f',
    idleSamples: 40,
    unknownSince: null,
    warnedAt: null,
    stopAt: null,
    warning: null,
    keptUntil: null,
    keptBy: null,
    lastKeep: { by: 'U0BOB', until: NOW - 3 * HOUR },
    stopFailures: 0,
  };
  return {
    now: NOW,
    pods: [
      pod({ id: 'podmonai000001', name: 'monai-label', desiredStatus: 'RUNNING', runtime: { uptimeSeconds: 5 * 3600, ports: [], gpus: [] } }),
      pod({ id: 'podold00000002', name: 'old-training', desiredStatus: 'EXITED', volumeInGb: 50, gpuDisplayName: 'A100 PCIe', costPerHr: 1.64, lastStatusChange: 'Exited by user: Sat Nov 14 2026 10:00:00 GMT+0000 (Coordinated Universal Time)' }),
      pod({ id: 'podscratch0003', name: 'scratch', desiredStatus: 'EXITED', volumeInGb: 20, lastStatusChange: 'Exited by user: Fri Nov 27 2026 19:00:00 GMT+0000 (Coordinated Universal Time)' }),
    ],
    account: { balance: 12.4, spendPerHr: 0.72, spendLimit: 80 },
    podSamples: samples,
    accountSamples: [
      { at: NOW - 7 * 24 * HOUR, balance: 30, spendPerHr: 0.1 },
      { at: NOW - 5 * HOUR, balance: 16, spendPerHr: 0.72 },
    ],
    idle: [idle],
    startedBy: new Map([['podmonai000001', 'U0ALICE']]),
    foreign: new Set<string>(),
    sampleMs: 5 * 60_000,
    staleDays: 7,
    runwayWarnDays: 7,
  };
}
