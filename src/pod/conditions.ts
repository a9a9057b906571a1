import { escapeSlack, formatDuration } from '../util/format.js';
import { gateAnswers } from './decide-monai.js';
import type { Step } from './decide.js';
import type { DesiredState } from './desired.js';
import { podEndpoints, runtimeIsCurrent } from './endpoints.js';
import type { ReconcileMemory } from './memory.js';
import type { Observation } from './observation.js';
import type { ConditionStatus, ConditionType } from './operation.js';

export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * The progress a request shows, derived from what was observed and what comes next. Pure. Steps
 * that run long on the pod (the install) add their own lines as they go.
 */
export function conditionsFor(desired: DesiredState, observation: Observation, memory: ReconcileMemory, step: Step, now: number): ConditionUpdate[] {
  const elapsed = formatDuration(Math.max(0, now - desired.requestedAt));
  const updates: ConditionUpdate[] = [];
  const add = (type: ConditionType, status: ConditionStatus, reason: string, message: string) => updates.push({ type, status, reason, message });
  const waiting = step.kind === 'wait' ? step.reason : null;

  if (desired.phase === 'stopped') {
    if (step.kind === 'done') {
      add('PodStopped', 'True', step.result.nothingToDo ? 'NoPod' : 'Exited', step.result.nothingToDo ? `RunPod lists no pod named ${desired.podName}` : 'RunPod reports the pod as stopped');
    } else if (waiting) add('PodStopped', 'False', 'Confirming', 'Waiting for RunPod to report the pod as stopped');
    return updates;
  }
  if (desired.phase === 'absent') {
    if (step.kind === 'done') add('PodExists', 'False', 'Terminated', 'RunPod no longer lists the pod');
    else add('PodExists', 'False', 'Terminating', 'Terminating the pod and deleting its volume');
    return updates;
  }

  if (observation.pod.kind === 'unpinned') {
    if (waiting === 'DeployPending') add('PodExists', 'Unknown', 'DeployPending', 'Waiting for the new pod to appear');
    if (waiting === 'RateLimited') add('PodExists', 'False', 'RateLimited', 'RunPod asked the bot to wait before deploying');
    return updates;
  }
  const pod = observation.pod.pod;
  if (!pod || pod.desiredStatus === 'TERMINATED') return updates;
  add('PodExists', 'True', 'Found', `Pod ${escapeSlack(pod.id)}`);
  if (pod.desiredStatus !== 'RUNNING') return updates;
  if (!pod.runtime || !runtimeIsCurrent(pod, memory.bootedAt, now)) {
    add('PodRunning', 'False', 'ContainerStarting', `Pulling the image and starting the container (${elapsed})`);
    return updates;
  }
  add('PodRunning', 'True', 'Running', 'Container running');
  const endpoints = podEndpoints(pod);
  if (!endpoints) {
    add('PortsMapped', 'False', 'WaitingForPorts', `Waiting for RunPod to map ports 8000 and 22 (${elapsed})`);
    return updates;
  }
  add('PortsMapped', 'True', 'Mapped', `8000 → ${endpoints.api.host}:${endpoints.api.port}, 22 → ${endpoints.ssh.host}:${endpoints.ssh.port}`);
  const monai = observation.monai;
  if (!monai) return updates;
  if (monai.ssh.kind === 'connected') add('SshReachable', 'True', 'Connected', 'Connected to the pod over SSH');
  if (monai.ssh.kind === 'failed') add('SshReachable', 'False', 'Connecting', `Connecting over SSH to ${endpoints.ssh.host}:${endpoints.ssh.port}`);
  const volume = monai.volume;
  if (volume?.installedVersion && volume.apps.includes('radiology')) {
    add('MonaiInstalled', 'True', 'Installed', `MONAI Label ${volume.installedVersion} is installed on the volume`);
  }
  if (gateAnswers(monai) || (monai.gate?.running && monai.gate.settingsMatch)) {
    add('GateReady', 'True', 'Serving', `Port 8000 admits only the secret URL`);
  }
  if (step.kind === 'done' && monai.info.kind === 'ok') {
    add('MonaiReady', 'True', 'Ready', `MONAI Label answers with ${monai.info.info.models.length} models`);
  } else if (step.kind === 'wait' && step.condition === 'MonaiReady') {
    add('MonaiReady', 'False', 'Starting', monai.watch?.phase ?? 'Waiting for MONAI Label to answer');
  }
  return updates;
}
