import { BotError } from '../errors.js';
import type { InstallPlan, StackSettings } from '../monai/python-stack.js';
import type { Pod } from '../runpod/api.js';
import { escapeSlack, formatDuration } from '../util/format.js';
import { stillBillingSentence } from './billing.js';
import { decideMonai } from './decide-monai.js';
import type { DesiredState } from './desired.js';
import { podEndpoints, runtimeIsCurrent } from './endpoints.js';
import { adoptionCandidate, isGone, podOfDeploy } from './identity.js';
import { isOurs } from './installation.js';
import type { ReconcileMemory } from './memory.js';
import type { Observation } from './observation.js';
import type { ConditionType, OperationResult } from './operation.js';

export type Action =
  | { kind: 'deploy'; gpuTypeId: string }
  /** Make this the generation's (and the registry's) pod; `sentAt`: when the deploy that created it was sent. */
  | { kind: 'pin'; podId: string; reason: 'adopted' }
  | { kind: 'pin'; podId: string; reason: 'deploy-found'; sentAt: number }
  /** The pinned pod no longer exists: forget it. */
  | { kind: 'unpin'; podId: string }
  | { kind: 'resume'; podId: string; gpuCount: number }
  | { kind: 'stop'; podId: string }
  | { kind: 'terminate'; podId: string }
  | { kind: 'install'; plan: InstallPlan }
  | { kind: 'start-server'; force: boolean }
  /** The gate alone (MONAI Label keeps running): it is down, or runs with another token or other rules. */
  | { kind: 'start-gate' };

export type Step =
  | { kind: 'act'; action: Action; condition: ConditionType }
  | { kind: 'wait'; condition: ConditionType; reason: string }
  | { kind: 'done'; result: OperationResult }
  | { kind: 'fail'; error: BotError }
  /** A deadline passed while `condition` was not yet true. */
  | { kind: 'timeout'; condition: ConditionType; error: BotError };

export interface DecideLimits {
  gpuTypes: readonly string[];
  monaiVersion: string;
  /** What the install depends on: SAM 2 wanted, the image, POD_PYTHON. */
  stack: StackSettings;
  /** Pod running with its ports mapped, counted from the request. */
  podReadyMs: number;
  /** Install and start-up of MONAI Label, counted from the first observation of the mapped ports. */
  monaiReadyMs: number;
  sshConnectMs: number;
  /** How long to look for the pod of a deploy whose answer was lost. */
  deployPendingMs: number;
  monaiPollMs: number;
  resumeAttempts: number;
  stopAttempts: number;
  /** Observations after a stop (or terminate) before it is sent again. */
  pollsPerStop: number;
}

export interface DecideInput {
  desired: DesiredState;
  observation: Observation;
  memory: ReconcileMemory;
  now: number;
  limits: DecideLimits;
}

const act = (action: Action, condition: ConditionType): Step => ({ kind: 'act', action, condition });
const wait = (condition: ConditionType, reason: string): Step => ({ kind: 'wait', condition, reason });
const fail = (error: BotError): Step => ({ kind: 'fail', error });

/** The one next step towards the desired state, from one observation. Pure. */
export function decide(input: DecideInput): Step {
  switch (input.desired.phase) {
    case 'running':
      return decideRunning(input);
    case 'stopped':
      return decideStopped(input);
    case 'absent':
      return decideAbsent(input);
  }
}

function decideRunning(input: DecideInput): Step {
  const { desired, observation, memory, now, limits } = input;
  const step = runningStep(input);
  if (step.kind !== 'act' && step.kind !== 'wait') return step;
  if (!POD_CONDITIONS.has(step.condition)) return step;
  const waited = now - desired.requestedAt;
  if (waited <= limits.podReadyMs) return step;
  const pod = observation.pod.kind === 'pinned' ? observation.pod.pod : null;
  return { kind: 'timeout', condition: step.condition, error: podTimeout(step.condition, limits.podReadyMs, pod, memory) };
}

const POD_CONDITIONS: ReadonlySet<ConditionType> = new Set(['PodExists', 'PodRunning', 'PortsMapped']);

function runningStep(input: DecideInput): Step {
  const { desired, observation, memory, now, limits } = input;
  const restart = desired.restartNonce !== null;
  if (observation.pod.kind === 'unpinned') return unpinnedStep(input);
  const { podId, pod } = observation.pod;
  if (isGone(pod)) {
    if (memory.deploy?.podId === podId) return fail(new BotError('POD_GONE', { message: `Pod ${podId} disappeared from RunPod right after it was deployed.` }));
    if (restart) return fail(notRunning(desired.podName));
    return act({ kind: 'unpin', podId }, 'PodExists');
  }
  const live = pod!;
  // Credentials and setup scripts go only to a pod the bot deployed or an admin adopted.
  if (!isOurs(live, observation.ownership)) return fail(notOurs(desired.podName, [live]));
  if (live.desiredStatus === 'EXITED') {
    if (restart) return fail(notRunning(desired.podName));
    if (memory.resume && memory.resume.attempts >= limits.resumeAttempts) {
      return fail(new BotError('POD_START_TIMEOUT', { message: `Pod ${podId} keeps returning to “stopped” after ${memory.resume.attempts} resumes.` }));
    }
    return act({ kind: 'resume', podId, gpuCount: Math.max(1, live.gpuCount) }, 'PodRunning');
  }
  if (live.desiredStatus === 'ERROR') {
    const log = observation.runpodLog ?? [];
    return fail(new BotError('POD_ERROR', { message: `RunPod reports pod ${podId} in ERROR: its container could not run.`, ...(log.length > 0 ? { details: log.join('\n') } : {}) }));
  }
  if (live.desiredStatus !== 'RUNNING') return wait('PodRunning', `RunPod reports ${live.desiredStatus}`);
  // RUNNING alone is not readiness: the runtime and both public mappings must be there.
  if (!live.runtime) return wait('PodRunning', 'ContainerStarting');
  if (!runtimeIsCurrent(live, memory.bootedAt, now)) return wait('PodRunning', 'ContainerStarting');
  if (!podEndpoints(live)) return wait('PortsMapped', 'WaitingForPorts');
  if (!observation.monai) return wait('MonaiReady', 'Observing');
  return decideMonai({ desired, monai: observation.monai, memory, now, limits, pod: live });
}

/** No pod id yet: find the pod of an unanswered deploy, adopt an existing one, or deploy. */
function unpinnedStep(input: DecideInput): Step {
  const { desired, observation, memory, now, limits } = input;
  const namesakes = observation.namesakes ?? [];
  const deploy = memory.deploy;
  // A deploy without a clear answer, this generation's or an earlier one's: its pod is looked for, never a second one sent.
  const pending = deploy && (deploy.state === 'sending' || deploy.state === 'lost') ? deploy : observation.unconfirmedDeploy;
  if (pending) {
    const found = podOfDeploy(namesakes, pending.nonce);
    if (found) return act({ kind: 'pin', podId: found.id, reason: 'deploy-found', sentAt: pending.sentAt }, 'PodExists');
    if (now - pending.sentAt > limits.deployPendingMs) return fail(deployUnconfirmed(limits.deployPendingMs));
    return wait('PodExists', 'DeployPending');
  }
  if (!desired.newPod) {
    // The bot's own pod whose pin was lost (a restored database): it carries the bot's mark.
    const existing = adoptionCandidate(namesakes.filter((pod) => isOurs(pod, observation.ownership)));
    if (existing) return act({ kind: 'pin', podId: existing.id, reason: 'adopted' }, 'PodExists');
    // Someone else's pod of the name is never configured, and a second pod is not deployed beside it unasked.
    const foreign = namesakes.filter((pod) => !isOurs(pod, observation.ownership));
    if (foreign.length > 0) return fail(notOurs(desired.podName, foreign));
  }
  if (desired.restartNonce !== null) return fail(notRunning(desired.podName));
  if (deploy?.retryAt && now < deploy.retryAt) return wait('PodExists', 'RateLimited');
  const gpuTypeId = limits.gpuTypes[deploy?.gpuIndex ?? 0];
  if (!gpuTypeId) {
    return fail(
      new BotError('RUNPOD_NO_CAPACITY', {
        message: `RunPod has no free GPU of any configured type (${deploy?.refusals.join(', ') ?? limits.gpuTypes.join(', ')}) right now.`,
      }),
    );
  }
  return act({ kind: 'deploy', gpuTypeId }, 'PodExists');
}

function decideStopped(input: DecideInput): Step {
  const { observation, memory, limits } = input;
  const targets = new Map<string, Pod | null>();
  if (observation.pod.kind === 'pinned') targets.set(observation.pod.podId, observation.pod.pod);
  for (const pod of observation.namesakes ?? []) if (!targets.has(pod.id)) targets.set(pod.id, pod);
  // A pod the bot asked to stop counts only as RunPod reads it back by its id.
  for (const [podId, pod] of observation.stopped) targets.set(podId, pod);
  // A pod in ERROR has no running container to stop (RunPod refuses the action); it is named in the result.
  const billing = [...targets.values()].filter((pod): pod is Pod => !isGone(pod) && pod!.desiredStatus !== 'EXITED' && pod!.desiredStatus !== 'ERROR');
  for (const pod of billing) {
    const sent = memory.stops[pod.id];
    if (!sent) return act({ kind: 'stop', podId: pod.id }, 'PodStopped');
    if (sent.polls < limits.pollsPerStop) continue;
    if (sent.attempts >= limits.stopAttempts) {
      return fail(
        new BotError('STOP_NOT_CONFIRMED', {
          message: `RunPod did not confirm the stop of pod ${pod.id} after ${sent.attempts} attempts. ${stillBillingSentence(pod.costPerHr, 'may be')}`,
        }),
      );
    }
    return act({ kind: 'stop', podId: pod.id }, 'PodStopped');
  }
  if (billing.length > 0) return wait('PodStopped', 'Confirming');
  const stopped = [...targets.values()].filter((pod): pod is Pod => !isGone(pod));
  return { kind: 'done', result: stoppedResult(input, stopped) };
}

function stoppedResult(input: DecideInput, stopped: readonly Pod[]): OperationResult {
  const { desired, observation } = input;
  const pending = observation.unconfirmedDeploy;
  const caution = pending
    ? ` RunPod never confirmed a deploy sent ${formatDuration(Math.max(0, input.now - pending.sentAt))} ago: if that pod appears, the bot stops it and says so.`
    : '';
  if (stopped.length === 0) return { nothingToDo: true, note: `There is no pod named ${desired.podName}: nothing is billing for it.${caution}` };
  const others = stopped.filter((pod) => observation.pod.kind !== 'pinned' || pod.id !== observation.pod.podId);
  const also = others.length > 0 ? `Also stopped: ${others.map((pod) => `\`${pod.id}\``).join(', ')} (named ${desired.podName} too).` : '';
  const already = Object.keys(input.memory.stops).length === 0 ? 'It was already stopped; nothing had to change.' : '';
  const failed = stopped.filter((pod) => pod.desiredStatus === 'ERROR');
  const errors = failed.length > 0 ? `RunPod reports ${failed.map((pod) => `\`${pod.id}\``).join(', ')} in ERROR (no container running); an admin can terminate it.` : '';
  const note = [already, also, errors, caution.trim()].filter(Boolean).join(' ');
  return { stoppedVolumesGb: stopped.map((pod) => pod.volumeInGb), ...(note ? { note } : {}) };
}

function decideAbsent(input: DecideInput): Step {
  const { observation, memory, limits } = input;
  if (observation.pod.kind !== 'pinned') return fail(new BotError('INPUT_INVALID', { message: 'A terminate must name its pod.' }));
  const { podId, pod } = observation.pod;
  if (isGone(pod)) {
    return { kind: 'done', result: { note: memory.terminate ? `Pod \`${podId}\` was terminated and its volume deleted.` : `Pod \`${podId}\` no longer exists.`, terminated: true } };
  }
  const sent = memory.terminate;
  if (!sent) return act({ kind: 'terminate', podId }, 'PodExists');
  if (sent.polls < limits.pollsPerStop) return wait('PodExists', 'Terminating');
  if (sent.attempts >= limits.stopAttempts) {
    return fail(
      new BotError('STOP_NOT_CONFIRMED', {
        message: `RunPod still lists pod ${podId} after ${sent.attempts} terminate requests. ${stillBillingSentence(pod!.costPerHr, 'may be')}`,
      }),
    );
  }
  return act({ kind: 'terminate', podId }, 'PodExists');
}

function notOurs(podName: string, pods: readonly Pod[]): BotError {
  const listed = pods.map((pod) => `\`${escapeSlack(pod.id)}\` (${escapeSlack(pod.desiredStatus.toLowerCase())})`).join(', ');
  return new BotError('POD_NOT_OURS', {
    message: `A pod named ${podName} exists that this bot did not deploy: ${listed}. The bot does not send its setup script or the DICOMweb credentials to it, and does not deploy a second pod of the name unasked.`,
  });
}

function notRunning(podName: string): BotError {
  return new BotError('POD_NOT_RUNNING', { message: `${podName} is not running, so there is no MONAI Label to restart.` });
}

export function deployUnconfirmed(waitedMs: number): BotError {
  return new BotError('RUNPOD_DEPLOY_UNCONFIRMED', {
    message: `RunPod did not answer the deploy request clearly, and no pod from it has appeared in ${formatDuration(waitedMs)}. RunPod may still create it, and it would bill.`,
  });
}

const POD_WAIT_TEXT: Partial<Record<ConditionType, string>> = {
  PodExists: 'RunPod has not created the pod',
  PodRunning: 'RunPod has not started the pod’s container',
  PortsMapped: 'RunPod has not mapped the pod’s ports',
};

function podTimeout(condition: ConditionType, waited: number, pod: Pod | null, memory: ReconcileMemory): BotError {
  const exists = pod && !isGone(pod) && pod.desiredStatus === 'RUNNING';
  const billing = exists ? ` ${stillBillingSentence(pod.costPerHr)} \`/monai status\` shows whether it came up.` : '';
  const pending = !exists && memory.deploy?.state === 'lost' ? ' A deploy is unconfirmed: a pod may still appear and bill.' : '';
  return new BotError('POD_START_TIMEOUT', {
    message: `${POD_WAIT_TEXT[condition] ?? 'The pod is not ready'} after ${formatDuration(waited)} (POD_READY_TIMEOUT_MINUTES).${billing}${pending}`,
  });
}
