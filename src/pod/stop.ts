import { storagePerMonth } from '../costs/storage.js';
import { BotError, isBotError } from '../errors.js';
import { formatMoney } from '../util/format.js';
import { decideStop } from './decide.js';
import { pickPod } from './endpoints.js';
import type { OperationResult } from './operation.js';
import type { RunningOperation } from './running-operation.js';
import type { LifecycleDeps } from './start.js';

const STOP_ATTEMPTS = 3;
/** Polls of the pod after a stop before the stop is sent again. */
const POLLS_PER_ATTEMPT = 5;

function stillBilling(costPerHr: number): string {
  return `It may still be running and billing ${formatMoney(costPerHr)}/hr.`;
}

/**
 * Stops the pod and reports success only once RunPod reads it back as EXITED. A refused or
 * unconfirmed stop is retried, then reported as such: never claimed.
 */
export async function runStop(op: RunningOperation, deps: LifecycleDeps): Promise<OperationResult> {
  const { settings, clock } = deps;
  let attempts = Number(op.memory['stopAttempts'] ?? 0);
  let polls = 0;
  let lastError: BotError | null = null;
  for (;;) {
    op.signal.throwIfAborted();
    const snapshot = await deps.snapshots.fetch();
    const registered = await deps.store.pods.get(settings.name);
    const pod = pickPod(snapshot.pods, settings.name, (op.memory['podId'] as string | undefined) ?? registered?.podId);
    const step = decideStop(pod, attempts > 0 && polls < POLLS_PER_ATTEMPT);
    if (step.kind === 'absent') {
      op.condition('PodStopped', 'True', 'NoPod', `There is no pod named ${settings.name}`);
      return { note: `There is no pod named ${settings.name}: nothing is billing for it.` };
    }
    op.setPod(step.pod);
    if (step.kind === 'stopped') {
      op.condition('PodStopped', 'True', 'Exited', 'RunPod reports the pod as stopped');
      return { storagePerMonth: storagePerMonth(step.pod.volumeInGb, 'stopped') };
    }
    if (step.kind === 'stop') {
      if (attempts >= STOP_ATTEMPTS) {
        throw new BotError('STOP_NOT_CONFIRMED', {
          message: `RunPod did not confirm the stop after ${attempts} attempts. ${stillBilling(step.pod.costPerHr)}${lastError ? ` Last answer: ${lastError.message}` : ''}`,
        });
      }
      attempts += 1;
      polls = 0;
      await op.remember({ podId: step.pod.id, stopAttempts: attempts });
      op.condition('PodStopped', 'False', 'Stopping', attempts > 1 ? `Stopping the pod (attempt ${attempts})` : 'Stopping the pod');
      try {
        await deps.runpod.stop(step.pod.id);
        deps.logger.info('stop requested', { operation: op.id, podId: step.pod.id, attempt: attempts });
      } catch (error) {
        if (!isBotError(error) || error.code === 'RUNPOD_AUTH' || error.code === 'RUNPOD_PERMISSION') throw error;
        lastError = error;
        deps.logger.warn('stop refused', { operation: op.id, podId: step.pod.id, attempt: attempts, reason: error.message });
        polls = POLLS_PER_ATTEMPT;
      }
      deps.snapshots.invalidate();
      continue;
    }
    polls += 1;
    op.condition('PodStopped', 'False', 'Confirming', 'Waiting for RunPod to report the pod as stopped');
    await clock.sleep(settings.pollMs, op.signal);
  }
}

/** Terminates the pod (its volume is deleted) and checks that RunPod no longer lists it. */
export async function runTerminate(op: RunningOperation, deps: LifecycleDeps): Promise<OperationResult> {
  const { settings } = deps;
  const podId = op.params['podId'] as string | undefined;
  const snapshot = await deps.snapshots.fetch();
  const pod = snapshot.pods.find((candidate) => candidate.id === podId) ?? null;
  if (!pod) return { note: `Pod ${podId ?? settings.name} no longer exists.` };
  op.setPod(pod);
  op.condition('PodExists', 'False', 'Terminating', 'Terminating the pod and deleting its volume');
  await deps.runpod.terminate(pod.id);
  deps.snapshots.invalidate();
  const after = await deps.runpod.getPod(pod.id, op.signal);
  if (after && after.desiredStatus !== 'TERMINATED') {
    throw new BotError('STOP_NOT_CONFIRMED', {
      message: `RunPod still lists pod ${pod.id} after the terminate request. ${stillBilling(pod.costPerHr)}`,
    });
  }
  op.condition('PodExists', 'False', 'Terminated', 'RunPod no longer lists the pod');
  return { note: `Pod ${pod.id} was terminated and its ${pod.volumeInGb} GB volume deleted.` };
}
