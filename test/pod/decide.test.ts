import { describe, expect, it } from 'vitest';
import { BotError } from '../../src/errors.js';
import type { InfoAnswer } from '../../src/monai/api.js';
import type { WatchFacts } from '../../src/monai/on-pod.js';
import type { GateFacts, ServerFacts, VolumeFacts } from '../../src/monai/pod-facts.js';
import { stackStamp, type PodPython, type TriedPython } from '../../src/monai/python-stack.js';
import { decide, type DecideLimits, type Step } from '../../src/pod/decide.js';
import type { DesiredState } from '../../src/pod/desired.js';
import { apiUrl, podEndpoints, secretUrl } from '../../src/pod/endpoints.js';
import { freshMemory, noteObservation, type ReconcileMemory } from '../../src/pod/memory.js';
import type { MonaiObservation, Observation } from '../../src/pod/observation.js';
import type { Pod } from '../../src/runpod/api.js';
import { podFixture } from '../helpers/pods.js';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const MIN = 60_000;

const limits: DecideLimits = {
  gpuTypes: ['NVIDIA GeForce RTX 4090', 'NVIDIA GeForce RTX 3090'],
  monaiVersion: '0.8.5',
  stack: { version: '0.8.5', sam2: false, imageName: 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04', pythonOverride: null },
  podReadyMs: 15 * MIN,
  monaiReadyMs: 30 * MIN,
  sshConnectMs: 3 * MIN,
  deployPendingMs: 2 * MIN,
  monaiPollMs: 1000,
  resumeAttempts: 3,
  stopAttempts: 3,
  pollsPerStop: 5,
};

function pod(fields: Partial<Pod> = {}): Pod {
  return podFixture({
    id: 'pinnedpod00001',
    runtime: {
      uptimeSeconds: 10,
      gpus: [],
      ports: [
        { ip: '127.0.0.2', isIpPublic: false, privatePort: 8000, publicPort: 8000, type: 'tcp' },
        { ip: '127.0.0.1', isIpPublic: true, privatePort: 8000, publicPort: 41000, type: 'tcp' },
        { ip: '127.0.0.3', isIpPublic: false, privatePort: 8888, publicPort: 60141, type: 'http' },
        { ip: '127.0.0.1', isIpPublic: true, privatePort: 22, publicPort: 41001, type: 'tcp' },
      ],
    },
    ...fields,
  });
}

function desired(fields: Partial<DesiredState> = {}): DesiredState {
  return {
    podName: 'monai-label',
    generation: 7,
    phase: 'running',
    models: ['deepgrow_2d', 'deepgrow_3d'],
    newPod: false,
    restartNonce: null,
    podId: 'pinnedpod00001',
    requestedBy: 'U0ALICE',
    requestedAt: NOW - MIN,
    requestId: 'req1',
    ...fields,
  };
}

const OURS = 'install0000000000000001';
/** The bot's installation: pods carry its mark; `adopted` lists pods an admin adopted. */
const ownership = (adopted: string[] = []) => ({ installationId: OURS, adopted: new Set(adopted) });
const mark = { MONAI_POD_BOT_OWNER: OURS };

function observe(fields: Partial<Observation> = {}): Observation {
  return { at: NOW, pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod() }, namesakes: null, stopped: new Map(), monai: null, unconfirmedDeploy: null, runpodLog: null, ownership: ownership(['pinnedpod00001']), ...fields };
}

function memory(fields: Partial<ReconcileMemory> = {}): ReconcileMemory {
  return { ...freshMemory(7), readyAt: NOW - MIN, ...fields };
}

const DIGEST = 'gatedigest0000000000000a';
const infoOk = (models = ['deepgrow_2d', 'deepgrow_3d'], gate: string | null = DIGEST): InfoAnswer => ({
  kind: 'ok',
  info: { name: 'MONAILabel', version: '0.8.5', models, device: ['NVIDIA GeForce RTX 4090'], studies: 7, labelled: 0, labelTags: {} },
  gate,
});
const refused: InfoAnswer = { kind: 'unreachable', reason: 'ECONNREFUSED' };
const imagePython: PodPython = { command: 'python3', path: '/usr/bin/python3', version: '3.11.10', torch: '2.4.0+cu124', torchvision: '0.19.0+cu124', torchCuda: '12.4' };
const venvPython: PodPython = { ...imagePython, command: 'venv', path: '/workspace/venv/bin/python' };
const roomy = { volumeFreeGb: 25, containerFreeGb: 8 };
const installed: VolumeFacts = {
  pythons: [],
  venvPython,
  venv: true,
  installedVersion: '0.8.5',
  sam2: false,
  stamp: stackStamp('0.8.5'),
  apps: ['radiology', 'monaibundle'],
  gpu: { gpuName: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' },
  disk: roomy,
};
/** A fresh volume: the probe looked for the Python with torch. */
const empty = (pythons: TriedPython[] = [{ command: 'python3', found: imagePython }], disk = roomy): VolumeFacts => ({
  ...installed,
  pythons,
  venvPython: null,
  venv: false,
  installedVersion: null,
  stamp: null,
  apps: [],
  disk,
});
const serverUp: ServerFacts = { running: true, pid: 42, settingsMatch: true };
const serverDown: ServerFacts = { running: false, pid: null, settingsMatch: false };
const gateUp: GateFacts = { running: true, pid: 43, settingsMatch: true, failure: null };
const URL = 'http://127.0.0.1:41000/S3cretS3cretS3cretS3cret0123/';

function monai(fields: Partial<MonaiObservation> = {}): MonaiObservation {
  return { endpoints: podEndpoints(pod())!, url: URL, gateDigest: DIGEST, info: refused, ssh: { kind: 'connected' }, volume: installed, server: serverUp, gate: gateUp, watch: null, ...fields };
}

const watching = (fields: Partial<WatchFacts>): WatchFacts => ({ failure: null, phase: null, tail: ['line one', 'line two'], ...fields });

function summary(step: Step): string {
  switch (step.kind) {
    case 'act':
      return `act ${step.action.kind}${'podId' in step.action ? ` ${step.action.podId}` : ''}${step.action.kind === 'start-server' ? ` force=${step.action.force}` : ''}${step.action.kind === 'deploy' ? ` ${step.action.gpuTypeId}` : ''}`;
    case 'wait':
      return `wait ${step.condition} ${step.reason}`;
    case 'done':
      return 'done';
    case 'fail':
      return `fail ${step.error.code}`;
    case 'timeout':
      return `timeout ${step.condition} ${step.error.code}`;
  }
}

describe('decide: the pod half (desired running)', () => {
  const cases: [string, Partial<DesiredState>, Partial<Observation>, Partial<ReconcileMemory>, string][] = [
    ['no pod id, no pod of the name: deploy on the first GPU type', { podId: null }, { pod: { kind: 'unpinned' }, namesakes: [] }, {}, 'act deploy NVIDIA GeForce RTX 4090'],
    ['no pod id, the bot\'s own pod of the name exists (its pin was lost): take it up again, never a second', { podId: null }, { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'existing00001', desiredStatus: 'EXITED', env: mark })] }, {}, 'act pin existing00001'],
    ['no pod id, a pod an admin adopted: take it up', { podId: null }, { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'adopted000001' })], ownership: ownership(['adopted000001']) }, {}, 'act pin adopted000001'],
    [
      'no pod id, only someone else\'s pod of the name (no mark): never configured, no second pod unasked',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'stranger00001', env: { MONAI_POD_BOT_OWNER: 'another-installation' } })] },
      {},
      'fail POD_NOT_OURS',
    ],
    [
      'the bot\'s pod and a stranger\'s of the same name: the bot\'s own',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'stranger00001' }), pod({ id: 'existing00001', env: mark })] },
      {},
      'act pin existing00001',
    ],
    ['a pinned pod that is neither marked nor adopted: not touched, not resumed', {}, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'EXITED' }) }, ownership: ownership() }, {}, 'fail POD_NOT_OURS'],
    ['a pinned pod with the bot\'s mark: resumed', {}, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'EXITED', env: mark }) }, ownership: ownership() }, {}, 'act resume pinnedpod00001'],
    ['a new pod asked for: deploy although a pod of the name exists', { podId: null, newPod: true }, { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'existing00001' })] }, {}, 'act deploy NVIDIA GeForce RTX 4090'],
    [
      'deploy answer lost: look for its pod by the nonce, never deploy again',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [] },
      { deploy: { nonce: 'n1', gpuIndex: 0, refusals: [], state: 'lost', sentAt: NOW - 30_000, podId: null, retryAt: null, rateLimited: 0 } },
      'wait PodExists DeployPending',
    ],
    [
      'deploy answer lost, the pod appears with the nonce: pin it',
      { podId: null, newPod: true },
      { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'oldpod0000001' }), pod({ id: 'newpod0000001', env: { MONAI_POD_BOT_DEPLOY: 'n1' } })] },
      { deploy: { nonce: 'n1', gpuIndex: 0, refusals: [], state: 'lost', sentAt: NOW - 30_000, podId: null, retryAt: null, rateLimited: 0 } },
      'act pin newpod0000001',
    ],
    [
      'deploy answer lost and no pod for longer than the window: fail, never "nothing bills"',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [] },
      { deploy: { nonce: 'n1', gpuIndex: 0, refusals: [], state: 'lost', sentAt: NOW - 3 * MIN, podId: null, retryAt: null, rateLimited: 0 } },
      'fail RUNPOD_DEPLOY_UNCONFIRMED',
    ],
    [
      'a crash right after the deploy was sent: treated as lost, looked for',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [pod({ id: 'newpod0000001', env: { MONAI_POD_BOT_DEPLOY: 'n1' } })] },
      { deploy: { nonce: 'n1', gpuIndex: 0, refusals: [], state: 'sending', sentAt: NOW - 5000, podId: null, retryAt: null, rateLimited: 0 } },
      'act pin newpod0000001',
    ],
    [
      'an earlier generation\'s deploy is unconfirmed: wait for it before any new deploy',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [], unconfirmedDeploy: { nonce: 'old', sentAt: NOW - 10_000 } },
      {},
      'wait PodExists DeployPending',
    ],
    [
      'no capacity for the first type: the next one',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [] },
      { deploy: { nonce: 'n1', gpuIndex: 1, refusals: ['NVIDIA GeForce RTX 4090'], state: 'refused', sentAt: NOW, podId: null, retryAt: null, rateLimited: 0 } },
      'act deploy NVIDIA GeForce RTX 3090',
    ],
    [
      'no capacity for any type: fail with the types',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [] },
      { deploy: { nonce: 'n1', gpuIndex: 2, refusals: ['a', 'b'], state: 'refused', sentAt: NOW, podId: null, retryAt: null, rateLimited: 0 } },
      'fail RUNPOD_NO_CAPACITY',
    ],
    [
      'rate-limited deploy: wait until RunPod said',
      { podId: null },
      { pod: { kind: 'unpinned' }, namesakes: [] },
      { deploy: { nonce: 'n1', gpuIndex: 0, refusals: [], state: 'refused', sentAt: NOW, podId: null, retryAt: NOW + 5000, rateLimited: 1 } },
      'wait PodExists RateLimited',
    ],
    ['the pinned pod is stopped: resume it', {}, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'EXITED' }) } }, {}, 'act resume pinnedpod00001'],
    [
      'it keeps falling back to stopped after three resumes: fail',
      {},
      { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'EXITED' }) } },
      { resume: { attempts: 3, lastAt: NOW - 5000 } },
      'fail POD_START_TIMEOUT',
    ],
    ['the pinned pod is gone: forget the pin (then look again)', {}, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: null } }, {}, 'act unpin pinnedpod00001'],
    [
      'the pod this generation deployed vanished: fail, do not deploy again',
      {},
      { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: null } },
      { deploy: { nonce: 'n1', gpuIndex: 0, refusals: [], state: 'confirmed', sentAt: NOW, podId: 'pinnedpod00001', retryAt: null, rateLimited: 0 } },
      'fail POD_GONE',
    ],
    ['RUNNING without a runtime: wait for the container', {}, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ runtime: null }) } }, {}, 'wait PodRunning ContainerStarting'],
    [
      'a runtime older than the resume is left over: wait',
      {},
      { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ runtime: { uptimeSeconds: 3600, gpus: [], ports: pod().runtime!.ports } }) } },
      { bootedAt: NOW - 10_000 },
      'wait PodRunning ContainerStarting',
    ],
    [
      'only a private mapping for 8000: wait for the ports',
      {},
      { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ runtime: { uptimeSeconds: 1, gpus: [], ports: [{ ip: '127.0.0.2', isIpPublic: false, privatePort: 8000, publicPort: 8000, type: 'tcp' }] } }) } },
      {},
      'wait PortsMapped WaitingForPorts',
    ],
    [
      'ports still not mapped after POD_READY_TIMEOUT: a typed timeout naming the condition',
      { requestedAt: NOW - 16 * MIN },
      { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ runtime: null }) } },
      {},
      'timeout PodRunning POD_START_TIMEOUT',
    ],
    ['RunPod reports the pod in ERROR: fail with RunPod’s log, never wait for it', {}, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'ERROR', runtime: null }) }, runpodLog: ['[RunPod] image pull failed'] }, {}, 'fail POD_ERROR'],
    ['a restart with the pod stopped: refused, the pod is not touched', { restartNonce: 7 }, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'EXITED' }) } }, {}, 'fail POD_NOT_RUNNING'],
  ];
  it.each(cases)('%s', (_title, want, seen, remembered, expected) => {
    expect(summary(decide({ desired: desired(want), observation: observe(seen), memory: memory(remembered), now: NOW, limits }))).toBe(expected);
  });

  it('a timeout on a running pod says it still bills', () => {
    const step = decide({ desired: desired({ requestedAt: NOW - 16 * MIN }), observation: observe({ pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ runtime: null }) } }), memory: memory(), now: NOW, limits });
    expect(step.kind === 'timeout' && step.error.message).toContain('still running and billing $0.69/hr');
  });

  it('reads the public tcp mappings, ignoring private duplicates and http entries', () => {
    const endpoints = podEndpoints(pod())!;
    expect(apiUrl(endpoints.api)).toBe('http://127.0.0.1:41000');
    expect(secretUrl(endpoints.api, 'S3cret')).toBe('http://127.0.0.1:41000/S3cret/');
    expect(endpoints.ssh).toEqual({ host: '127.0.0.1', port: 41001 });
  });

  it('a mapping whose IP or port does not parse is no mapping: the pod is not ready', () => {
    const ports = (ip: string, publicPort: number) => [
      { ip, isIpPublic: true, privatePort: 8000, publicPort, type: 'tcp' },
      { ip: '127.0.0.1', isIpPublic: true, privatePort: 22, publicPort: 41001, type: 'tcp' },
    ];
    for (const [ip, port] of [['127.0.0.1/evil', 41000], ['<!channel>', 41000], ['example.org', 41000], ['127.0.0.1', 70000], ['127.0.0.1', 41000.5], ['127.0.0.1', 0]] as const) {
      const odd = pod({ runtime: { uptimeSeconds: 5, gpus: [], ports: ports(ip, port) } });
      expect(podEndpoints(odd), `${ip}:${port}`).toBeNull();
      expect(summary(decide({ desired: desired(), observation: observe({ pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: odd } }), memory: memory(), now: NOW, limits }))).toBe('wait PortsMapped WaitingForPorts');
    }
    expect(podEndpoints(pod({ runtime: { uptimeSeconds: 5, gpus: [], ports: ports('::1', 41000) } }))?.api).toEqual({ host: '::1', port: 41000 });
    expect(apiUrl({ host: '::1', port: 41000 })).toBe('http://[::1]:41000');
  });
});

describe('decide: the MONAI Label half (pod running, ports mapped)', () => {
  const cases: [string, Partial<DesiredState>, Partial<MonaiObservation>, Partial<ReconcileMemory>, string][] = [
    ['/info/ serves the models through the gate: done, no SSH', {}, { info: infoOk(), ssh: { kind: 'not-needed' }, volume: null, server: null, gate: null }, {}, 'done'],
    ['the gate is down (port refused), MONAI Label runs: start the gate', {}, { info: refused, gate: { running: false, pid: null, settingsMatch: false, failure: null } }, {}, 'act start-gate'],
    ['the gate runs with another token (old URL): restart the gate', {}, { info: { kind: 'error', status: 404, detail: '' }, gate: { ...gateUp, settingsMatch: false } }, {}, 'act start-gate'],
    ['/info/ answers, but through an old gate (other digest): restart the gate', {}, { info: infoOk(undefined, 'olddigest'), gate: { ...gateUp, settingsMatch: false } }, {}, 'act start-gate'],
    ['/info/ answers with no gate in front (MONAI Label on the public port): start the gate', {}, { info: infoOk(undefined, null), gate: { running: false, pid: null, settingsMatch: false, failure: null } }, {}, 'act start-gate'],
    ['the server is down too: the start script brings up both', {}, { server: serverDown, gate: { running: false, pid: null, settingsMatch: false, failure: null } }, {}, 'act start-server force=false'],
    ['SSH not up yet: wait', {}, { ssh: { kind: 'failed', error: new BotError('SSH_UNREACHABLE') }, volume: null, server: null }, { sshFailingSince: NOW - 5000 }, 'wait SshReachable Connecting'],
    ['SSH refused for longer than SSH_CONNECT_TIMEOUT: timeout', {}, { ssh: { kind: 'failed', error: new BotError('SSH_UNREACHABLE') }, volume: null, server: null }, { sshFailingSince: NOW - 4 * MIN }, 'timeout SshReachable SSH_UNREACHABLE'],
    ['the host key changed: fail at once', {}, { ssh: { kind: 'failed', error: new BotError('SSH_HOST_KEY_CHANGED') }, volume: null, server: null }, {}, 'fail SSH_HOST_KEY_CHANGED'],
    ['missing venv: install', {}, { volume: { ...installed, venv: false, installedVersion: null, apps: [] }, server: serverDown }, {}, 'act install'],
    ['another MONAI Label version in the venv: install', {}, { volume: { ...installed, installedVersion: '0.8.4' }, server: serverDown }, {}, 'act install'],
    ['app folder missing: install', {}, { volume: { ...installed, apps: [] }, server: serverDown }, {}, 'act install'],
    ['app folder present, version right, server dead: start it', {}, { server: serverDown }, {}, 'act start-server force=false'],
    ['server running with other models: restart it', {}, { server: { running: true, pid: 42, settingsMatch: false }, info: infoOk(['deepedit']) }, {}, 'act start-server force=true'],
    ['/monai restart: restart even with the right models', { restartNonce: 7 }, { info: infoOk(), server: serverUp }, {}, 'act start-server force=true'],
    ['/monai restart done: the restart is not repeated', { restartNonce: 7 }, { info: infoOk(), ssh: { kind: 'not-needed' }, volume: null, server: null }, { serverStartedFor: 7 }, 'done'],
    ['server running with these settings, not answering yet: wait', {}, { server: serverUp, watch: watching({ phase: 'Loading the models' }) }, { serverStartedFor: 7 }, 'wait MonaiReady Loading the models'],
    ['the server this generation started died: fail with the log tail', {}, { server: serverUp, watch: watching({ failure: 'exited' }) }, { serverStartedFor: 7 }, 'fail MONAI_DIED'],
    ['start-up failed in the log: fail at once', {}, { server: serverUp, watch: watching({ failure: 'startup-failed' }) }, { serverStartedFor: 7 }, 'fail MONAI_STARTUP_FAILED'],
    ['/info/ 500 because of Orthanc, once: keep waiting', {}, { info: { kind: 'error', status: 500, detail: 'Failed to fetch series' } }, { infoFailures: 1, infoFailingSince: NOW }, 'wait MonaiReady Starting'],
    ['/info/ 500 because of Orthanc, for ten polls: a datastore failure', {}, { info: { kind: 'error', status: 500, detail: 'Failed to fetch series' } }, { infoFailures: 5, infoFailingSince: NOW - 20_000 }, 'fail MONAI_DATASTORE_FAILED'],
    ['answers without a requested model: fail naming it', {}, { info: infoOk(['deepgrow_2d']) }, { serverStartedFor: 7 }, 'fail MONAI_MODELS_MISSING'],
    ['a venv from before the pins (no stamp): install again', {}, { volume: { ...installed, stamp: null, pythons: [{ command: 'python3', found: imagePython }] }, server: serverDown }, {}, 'act install'],
    ['the install ran but the volume still lacks it: fail, never loop', {}, { volume: { ...installed, installedVersion: null } }, { installed: true }, 'fail MONAI_INSTALL_FAILED'],
    ['the install outlasted MONAI_READY_TIMEOUT: a timeout naming the install', {}, { volume: { ...installed, venv: false, installedVersion: null } }, { readyAt: NOW - 31 * MIN }, 'timeout MonaiInstalled MONAI_INSTALL_TIMEOUT'],
    ['never answered within MONAI_READY_TIMEOUT: a readiness timeout', {}, { server: serverUp }, { readyAt: NOW - 31 * MIN, serverStartedFor: 7 }, 'timeout MonaiReady MONAI_READY_TIMEOUT'],
  ];
  it.each(cases)('%s', (_title, want, seen, remembered, expected) => {
    expect(summary(decide({ desired: desired(want), observation: observe({ monai: monai(seen) }), memory: memory(remembered), now: NOW, limits }))).toBe(expected);
  });

  it('port 8000 not mapped: the pod half waits before MONAI Label is looked at', () => {
    const noApi = pod({ runtime: { uptimeSeconds: 5, gpus: [], ports: [{ ip: '127.0.0.1', isIpPublic: true, privatePort: 22, publicPort: 41001, type: 'tcp' }] } });
    expect(summary(decide({ desired: desired(), observation: observe({ pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: noApi } }), memory: memory(), now: NOW, limits }))).toBe('wait PortsMapped WaitingForPorts');
  });

  it('a reused server is reported as reused; a started one is not', () => {
    const reused = decide({ desired: desired(), observation: observe({ monai: monai({ info: infoOk(), ssh: { kind: 'not-needed' } }) }), memory: memory(), now: NOW, limits });
    const started = decide({ desired: desired(), observation: observe({ monai: monai({ info: infoOk() }) }), memory: memory({ serverStartedFor: 7 }), now: NOW, limits });
    expect(reused.kind === 'done' && reused.result).toMatchObject({ reused: true, apiUrl: URL, models: ['deepgrow_2d', 'deepgrow_3d'] });
    expect(started.kind === 'done' && started.result.reused).toBe(false);
  });

  it('a failure carries the log tail, a hint and the billing sentence', () => {
    const step = decide({ desired: desired(), observation: observe({ monai: monai({ watch: watching({ failure: 'startup-failed', tail: ['No module named \'distutils\''] }) }) }), memory: memory({ serverStartedFor: 7 }), now: NOW, limits });
    expect(step.kind).toBe('fail');
    if (step.kind !== 'fail') return;
    expect(step.error.details).toContain('distutils');
    expect(step.error.action).toContain('setuptools');
    expect(step.error.message).toContain('still running and billing $0.69/hr');
  });
});

describe('decide: stopping and terminating', () => {
  const running = pod();
  const exited = pod({ desiredStatus: 'EXITED' });
  const other = pod({ id: 'samename00002' });
  const cases: [string, Partial<DesiredState>, Partial<Observation>, Partial<ReconcileMemory>, string][] = [
    ['the pinned pod runs: stop it', { phase: 'stopped' }, { namesakes: [] }, {}, 'act stop pinnedpod00001'],
    ['stop sent: wait for RunPod to read it back', { phase: 'stopped' }, { namesakes: [], stopped: new Map([['pinnedpod00001', running]]) }, { stops: { pinnedpod00001: { attempts: 1, polls: 2 } } }, 'wait PodStopped Confirming'],
    ['still running after five reads: send the stop again', { phase: 'stopped' }, { namesakes: [], stopped: new Map([['pinnedpod00001', running]]) }, { stops: { pinnedpod00001: { attempts: 1, polls: 5 } } }, 'act stop pinnedpod00001'],
    ['three stops unconfirmed: fail, never claim it', { phase: 'stopped' }, { namesakes: [], stopped: new Map([['pinnedpod00001', running]]) }, { stops: { pinnedpod00001: { attempts: 3, polls: 5 } } }, 'fail STOP_NOT_CONFIRMED'],
    ['read back EXITED: done', { phase: 'stopped' }, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: exited }, namesakes: [], stopped: new Map([['pinnedpod00001', exited]]) }, { stops: { pinnedpod00001: { attempts: 1, polls: 1 } } }, 'done'],
    [
      'another pod of the same name runs: it is stopped too',
      { phase: 'stopped' },
      { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: exited }, namesakes: [other] },
      {},
      'act stop samename00002',
    ],
    ['a listing that misses the pinned pod changes nothing: it is read by its id', { phase: 'stopped' }, { namesakes: [] }, {}, 'act stop pinnedpod00001'],
    ['a pod in ERROR has nothing to stop: done, and named', { phase: 'stopped' }, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: pod({ desiredStatus: 'ERROR', runtime: null }) }, namesakes: [] }, {}, 'done'],
    ['terminate: the named pod', { phase: 'absent' }, {}, {}, 'act terminate pinnedpod00001'],
    ['terminated and gone: done', { phase: 'absent' }, { pod: { kind: 'pinned', podId: 'pinnedpod00001', pod: null } }, { terminate: { attempts: 1, polls: 1 } }, 'done'],
  ];
  it.each(cases)('%s', (_title, want, seen, remembered, expected) => {
    expect(summary(decide({ desired: desired(want), observation: observe(seen), memory: memory(remembered), now: NOW, limits }))).toBe(expected);
  });

  it('says nothing bills only when nothing of the name exists and no deploy is unconfirmed', () => {
    const none = decide({ desired: desired({ phase: 'stopped', podId: null }), observation: observe({ pod: { kind: 'unpinned' }, namesakes: [] }), memory: memory(), now: NOW, limits });
    expect(none.kind === 'done' && none.result.note).toContain('nothing is billing');
    const pending = decide({
      desired: desired({ phase: 'stopped', podId: null }),
      observation: observe({ pod: { kind: 'unpinned' }, namesakes: [], unconfirmedDeploy: { nonce: 'n', sentAt: NOW - 30_000 } }),
      memory: memory(),
      now: NOW,
      limits,
    });
    expect(pending.kind === 'done' && pending.result.note).toContain('RunPod never confirmed a deploy sent 30s ago');
  });
});

describe('decide: the install plan, refused before anything is installed', () => {
  const step = (volume: VolumeFacts, stack: Partial<DecideLimits['stack']> = {}) =>
    decide({ desired: desired(), observation: observe({ monai: monai({ volume, server: serverDown }) }), memory: memory(), now: NOW, limits: { ...limits, stack: { ...limits.stack, ...stack } } });

  it('reuses the image’s torch pair from the Python that has it, never a guessed one', () => {
    const chosen = step(empty([{ command: 'python3', found: { ...imagePython, torch: null, torchvision: null } }, { command: 'python', found: { ...imagePython, path: '/usr/local/bin/python', version: '3.12.3', torch: '2.6.0+cu126', torchvision: '0.21.0+cu126', torchCuda: '12.6' } }]));
    expect(chosen).toMatchObject({ kind: 'act', action: { kind: 'install', plan: { python: '/usr/local/bin/python', pythonVersion: '3.12.3', torch: '2.6.0', torchvision: '0.21.0', sam2: false } } });
  });

  it('no Python can import torch: refused, saying what was tried and which setting to change', () => {
    const refused = step(empty([{ command: 'python3', found: { ...imagePython, torch: null } }, { command: 'python', found: 'missing' }]));
    expect(refused.kind).toBe('fail');
    if (refused.kind !== 'fail') return;
    expect(refused.error.code).toBe('MONAI_INSTALL_FAILED');
    expect(refused.error.message).toContain('No Python on the pod can import torch (python3: Python 3.11.10 without torch; python: not found)');
    expect(refused.error.action).toContain('IMAGE_NAME');
    expect(refused.error.message).toContain('still running and billing $0.69/hr');
  });

  it('Python 3.13 with torch: refused with the reason', () => {
    const refused = step(empty([{ command: 'python3', found: { ...imagePython, version: '3.13.1' } }]));
    expect(refused.kind === 'fail' && refused.error.message).toContain('cannot be installed on Python 3.13: its numpymaxflow dependency does not build there');
  });

  it('POD_PYTHON overrides the search, and is named when it has no torch', () => {
    const refused = step(empty([{ command: '/opt/py/bin/python3', found: { ...imagePython, torch: null } }]), { pythonOverride: '/opt/py/bin/python3' });
    expect(refused.kind === 'fail' && refused.error.message).toContain('POD_PYTHON (/opt/py/bin/python3) cannot import torch');
  });

  it('MONAI_SAM2=true on a torch 2.4 image: refused before installing anything, naming IMAGE_NAME', () => {
    const refused = step(empty(), { sam2: true });
    expect(refused.kind).toBe('fail');
    if (refused.kind !== 'fail') return;
    expect(refused.error.message).toContain('MONAI_SAM2=true needs PyTorch 2.5.1 or newer for SAM 2, but the image’s torch is 2.4.0+cu124 (IMAGE_NAME=runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04). Nothing was installed');
    expect(refused.error.action).toContain('MONAI_SAM2=false');
  });

  it('MONAI_SAM2=true on a torch 2.5.1 image: the plan builds SAM 2', () => {
    const planned = step(empty([{ command: 'python3', found: { ...imagePython, torch: '2.5.1+cu124', torchvision: '0.20.1+cu124' } }]), { sam2: true });
    expect(planned).toMatchObject({ kind: 'act', action: { plan: { torch: '2.5.1', torchvision: '0.20.1', sam2: true } } });
  });

  it('SAM 2 wanted later on an installed volume: only that is installed, from the venv’s torch', () => {
    const planned = step({ ...installed, venvPython: { ...venvPython, torch: '2.5.1+cu124', torchvision: '0.20.1+cu124' } }, { sam2: true });
    expect(planned).toMatchObject({ kind: 'act', action: { plan: { python: '/workspace/venv/bin/python', torch: '2.5.1', sam2: true } } });
  });

  it('too little room on the volume or the container disk: refused, naming VOLUME_GB or CONTAINER_DISK_GB', () => {
    const volume = step(empty(undefined, { volumeFreeGb: 2.5, containerFreeGb: 8 }));
    expect(volume.kind === 'fail' && volume.error.message).toContain('The pod’s volume has 2.5 GB free; installing MONAI Label needs about 6 GB there');
    expect(volume.kind === 'fail' && volume.error.action).toContain('VOLUME_GB');
    const container = step(empty(undefined, { volumeFreeGb: 25, containerFreeGb: 0.3 }));
    expect(container.kind === 'fail' && container.error.message).toContain('container disk has 0.3 GB free');
    expect(container.kind === 'fail' && container.error.action).toContain('CONTAINER_DISK_GB');
  });

  it('the ready result says GPU or CPU, and why it fell back', () => {
    const done = (volume: VolumeFacts | null, device: string[]) => {
      const info: InfoAnswer = { kind: 'ok', info: { name: 'MONAILabel', version: '0.8.5', models: ['deepgrow_2d', 'deepgrow_3d'], device, studies: 7, labelled: 0, labelTags: {} }, gate: DIGEST };
      const result = decide({ desired: desired(), observation: observe({ monai: monai({ info, volume }) }), memory: memory({ serverStartedFor: 7 }), now: NOW, limits });
      return result.kind === 'done' ? result.result.gpu : undefined;
    };
    expect(done(installed, ['NVIDIA GeForce RTX 4090'])).toEqual({ onGpu: true, name: 'NVIDIA GeForce RTX 4090' });
    expect(done({ ...installed, gpu: { gpuName: 'NVIDIA GeForce RTX 4090', driverCuda: '12.2' } }, ['cpu'])).toEqual({
      onGpu: false,
      reason: 'the host’s NVIDIA driver is too old: it supports CUDA up to 12.2, and torch 2.4.0+cu124 was built for CUDA 12.4',
    });
    expect(done({ ...installed, venvPython: { ...venvPython, torch: '2.4.0+cpu', torchCuda: null } }, ['cpu'])).toEqual({ onGpu: false, reason: 'torch 2.4.0+cpu in the venv is a CPU-only build (torch without CUDA)' });
  });

  it('the reason for the CPU survives an observation without SSH: the facts of the last probe are remembered', () => {
    const probed = observe({ monai: monai({ volume: { ...installed, gpu: { gpuName: 'NVIDIA GeForce RTX 4090', driverCuda: '12.2' } } }) });
    const remembered = noteObservation(memory({ serverStartedFor: 7 }), probed);
    expect(remembered.gpu).toEqual({ gpuName: 'NVIDIA GeForce RTX 4090', driverCuda: '12.2', torch: '2.4.0+cu124', torchCuda: '12.4' });
    const info: InfoAnswer = { kind: 'ok', info: { name: 'MONAILabel', version: '0.8.5', models: ['deepgrow_2d', 'deepgrow_3d'], device: ['cpu'], studies: 7, labelled: 0, labelTags: {} }, gate: DIGEST };
    const answered = observe({ monai: monai({ info, ssh: { kind: 'not-needed' }, volume: null, server: null, gate: null }) });
    const result = decide({ desired: desired(), observation: answered, memory: noteObservation(remembered, answered), now: NOW, limits });
    expect(result.kind === 'done' && result.result.gpu).toEqual({ onGpu: false, reason: 'the host’s NVIDIA driver is too old: it supports CUDA up to 12.2, and torch 2.4.0+cu124 was built for CUDA 12.4' });
  });
});
