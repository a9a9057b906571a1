/**
 * One error type for everything a user can meet. Each code has a short explanation, a next step
 * and the `/monai troubleshoot` topic that covers it; the Slack and console front ends show only
 * these, never a stack trace. test/errors/catalog.test.ts keeps every code thrown and its topic real.
 */

export const ERROR_CATALOG = {
  CONFIG_INVALID: {
    summary: 'The bot’s configuration is incomplete or malformed.',
    action: 'Fix the setting named above (in `.env`, or the environment the bot runs in) as its fix line says, then start the bot again.',
    retryable: false,
    topic: 'bot-problems',
  },
  RUNPOD_AUTH: {
    summary: 'RunPod rejected the API key.',
    action: 'Create a new key in RunPod → Settings → API Keys (read/write) and set RUNPOD_API_KEY.',
    retryable: false,
    topic: 'runpod-refused',
  },
  RUNPOD_PERMISSION: {
    summary: 'The RunPod API key is valid but not allowed to do this.',
    action: 'Give the key read/write (“All”) permission in RunPod → Settings → API Keys.',
    retryable: false,
    topic: 'runpod-refused',
  },
  RUNPOD_NO_CAPACITY: {
    summary: 'RunPod has no free GPU of the configured types right now.',
    action: 'Try again in a few minutes, or add more GPU types to GPU_TYPES.',
    retryable: false,
    topic: 'runpod-refused',
  },
  RUNPOD_UNKNOWN_GPU_TYPE: {
    summary: 'RunPod does not know a GPU type in the bot’s GPU_TYPES setting.',
    action: 'Whoever runs the bot fixes GPU_TYPES (RunPod’s GPU ids, e.g. “NVIDIA GeForce RTX 4090”; `npm run check` names the wrong ones) and restarts it; `/monai troubleshoot gpu-types` explains. Trying again will not help.',
    retryable: false,
    topic: 'gpu-types',
  },
  RUNPOD_HOST_FULL: {
    summary: 'The pod’s machine has no free GPU, so the stopped pod cannot resume.',
    action: 'Retry later (the data stays on that machine), or deploy a new pod, which loses the volume’s data.',
    retryable: false,
    topic: 'resume-no-gpu',
  },
  RUNPOD_SPEND_LIMIT: {
    summary: 'RunPod refused: the account’s balance or spending limit does not allow this pod.',
    action: 'Add credit or raise the spend limit in RunPod → Billing, then try again.',
    retryable: false,
    topic: 'runpod-refused',
  },
  RUNPOD_TRANSIENT: {
    summary: 'RunPod’s API is not answering properly right now.',
    action: 'Try again in a minute; check https://uptime.runpod.io if it persists.',
    retryable: true,
    topic: 'runpod-refused',
  },
  RUNPOD_DEPLOY_UNCONFIRMED: {
    summary: 'RunPod did not confirm the deploy, and no pod from it has appeared yet.',
    action: 'Run `/monai status` in a few minutes: if the pod appears, the bot takes it over and says so (it then bills; `/monai stop` stops it). The bot does not deploy again while it waits.',
    retryable: false,
    topic: 'runpod-refused',
  },
  RUNPOD_INVALID_REQUEST: {
    summary: 'RunPod rejected the request as invalid.',
    action: 'Check GPU_TYPES, IMAGE_NAME and the disk sizes in the configuration; the log has the details.',
    retryable: false,
    topic: 'runpod-refused',
  },
  POD_GONE: {
    summary: 'The pod disappeared from RunPod while the bot was working on it.',
    action: 'Run `/monai status`; if it is gone, `/monai start` deploys a new one.',
    retryable: false,
    topic: 'start-stop',
  },
  POD_ERROR: {
    summary: 'RunPod reports the pod in an error state: its container could not run.',
    action: '`/monai start` tries to start it again; an admin can terminate it (`/monai terminate`) and a new start deploys a fresh pod. RunPod’s own log lines are above.',
    retryable: false,
    topic: 'runpod-refused',
  },
  POD_NOT_OURS: {
    summary: 'A pod of this name exists that this bot did not deploy, so the bot does not configure it.',
    action: 'An admin can run `/monai adopt` to let the bot manage it (it then gets the bot’s setup script and the DICOMweb credentials), or rename it in RunPod; `/monai start new-pod` deploys a pod of the bot’s own beside it.',
    retryable: false,
    topic: 'security',
  },
  POD_NOT_RUNNING: {
    summary: 'The pod is not running.',
    action: 'Run `/monai start`: it starts the pod and MONAI Label with it.',
    retryable: false,
    topic: 'start-stop',
  },
  POD_START_TIMEOUT: {
    summary: 'The pod did not get its ports mapped in time.',
    action: 'Run `/monai status` in a few minutes; if it stays “initializing”, stop it and start again.',
    retryable: true,
    topic: 'slow-first-start',
  },
  STOP_NOT_CONFIRMED: {
    summary: 'RunPod did not confirm that the pod stopped. It may still be running and billing.',
    action: 'Run `/monai stop` again, or stop it in the RunPod console.',
    retryable: true,
    topic: 'start-stop',
  },
  SSH_KEY_UNREADABLE: {
    summary: 'The bot cannot read its SSH private key.',
    action: 'Check SSH_PRIVATE_KEY_PATH: an unencrypted ed25519 or RSA key readable by the bot.',
    retryable: false,
    topic: 'ssh-keys',
  },
  SSH_UNREACHABLE: {
    summary: 'The pod does not answer on SSH.',
    action: 'Wait a minute and run `/monai start` again; `/monai doctor` checks each link.',
    retryable: true,
    topic: 'ssh-keys',
  },
  SSH_AUTH_FAILED: {
    summary: 'The pod refused the bot’s SSH key.',
    action: 'The pod was created without the bot’s public key; see “SSH key problems” in `/monai troubleshoot ssh`.',
    retryable: false,
    topic: 'ssh-keys',
  },
  SSH_HOST_KEY_CHANGED: {
    summary: 'The pod presented a different SSH host key than the one remembered for it.',
    action: 'If nobody rebuilt the pod, treat this as a warning sign. An admin can run `/monai forget-host-key` after checking.',
    retryable: false,
    topic: 'ssh-keys',
  },
  SSH_COMMAND_FAILED: {
    summary: 'A command on the pod failed.',
    action: 'Read the output above; `/monai logs` shows MONAI Label’s log.',
    retryable: false,
    topic: 'startup-failed',
  },
  MONAI_INSTALL_FAILED: {
    summary: 'Installing MONAI Label on the pod failed.',
    action: 'Read the output above; `/monai troubleshoot pip` covers the usual causes.',
    retryable: false,
    topic: 'pip-install',
  },
  MONAI_STARTUP_FAILED: {
    summary: 'MONAI Label failed to start.',
    action: 'Read the log lines above; `/monai restart` tries again once it is fixed.',
    retryable: false,
    topic: 'startup-failed',
  },
  MONAI_DIED: {
    summary: 'MONAI Label stopped while it was starting.',
    action: 'Read the log lines above; `/monai restart` tries again.',
    retryable: false,
    topic: 'startup-failed',
  },
  MONAI_INSTALL_TIMEOUT: {
    summary: 'Installing MONAI Label did not finish in time.',
    action: '`/monai logs` shows how far it got; `/monai start` carries on where it stopped (finished steps are kept on the volume). A slow first install may need a longer MONAI_READY_TIMEOUT_MINUTES.',
    retryable: true,
    topic: 'slow-first-start',
  },
  MONAI_READY_TIMEOUT: {
    summary: 'MONAI Label did not answer in time.',
    action: 'It may still be downloading models: check `/monai logs`, then `/monai status`.',
    retryable: true,
    topic: 'slow-first-start',
  },
  GATE_FAILED: {
    summary: 'The gate that guards MONAI Label’s public port did not start on the pod.',
    action: 'Read its log lines above: “Address already in use” means something else listens on port 8000 (a MONAI Label started by hand?). `/monai restart` tries again; `/monai doctor` checks the port.',
    retryable: false,
    topic: 'security',
  },
  MONAI_DATASTORE_FAILED: {
    summary: 'MONAI Label runs but cannot read the studies from the DICOMweb server.',
    action: 'Check DICOMWEB_URL and its credentials; `/monai doctor` tests the link from the pod.',
    retryable: false,
    topic: 'next-sample',
  },
  MONAI_MODELS_MISSING: {
    summary: 'MONAI Label answers but some requested models are missing.',
    action: 'Their weights may have failed to download: check `/monai logs`, then `/monai restart`.',
    retryable: false,
    topic: 'models-missing',
  },
  INPUT_INVALID: {
    summary: 'That command was not understood.',
    action: 'Type `/monai help` for the commands.',
    retryable: false,
    topic: 'start-stop',
  },
  CANCELLED: {
    summary: 'This request was replaced by a newer one.',
    action: 'Nothing to do; the newer request is being handled.',
    retryable: false,
    topic: 'start-stop',
  },
  SLACK_NOT_IN_CHANNEL: {
    summary: 'The bot is not a member of this channel.',
    action: 'Invite it with `/invite @monai`, then try again.',
    retryable: false,
    topic: 'bot-problems',
  },
  ABANDONED: {
    summary: 'The bot was not running for longer than this request may take, so it was not carried on.',
    action: 'Run `/monai status` to see the pod as it is now, and ask again if it is still wanted.',
    retryable: false,
    topic: 'bot-problems',
  },
  SHUTTING_DOWN: {
    summary: 'The bot is restarting.',
    action: 'Try again in a few seconds.',
    retryable: true,
    topic: 'bot-problems',
  },
  INTERNAL: {
    summary: 'Something unexpected went wrong inside the bot.',
    action: 'Try again; if it repeats, the bot’s log has the details for whoever runs it.',
    retryable: false,
    topic: 'bot-problems',
  },
} as const satisfies Record<string, { summary: string; action: string; retryable: boolean; topic: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface BotErrorOptions {
  /** Replaces the catalog summary when a more precise sentence is known. Must be safe to show. */
  message?: string;
  /** Replaces the catalog's next step. */
  action?: string;
  retryable?: boolean;
  /** Extra lines shown to the user, e.g. the tail of a log (already redacted by the caller). */
  details?: string;
  cause?: unknown;
  /** Seconds a server asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
}

export class BotError extends Error {
  override readonly name = 'BotError';
  readonly code: ErrorCode;
  readonly action: string;
  readonly retryable: boolean;
  readonly details: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: BotErrorOptions = {}) {
    const entry = ERROR_CATALOG[code];
    super(options.message ?? entry.summary, { cause: options.cause });
    this.code = code;
    this.action = options.action ?? entry.action;
    this.retryable = options.retryable ?? entry.retryable;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isBotError(error: unknown, code?: ErrorCode): error is BotError {
  return error instanceof BotError && (code === undefined || error.code === code);
}

/** At the edges: anything thrown becomes a BotError; unknown errors keep their cause for the log. */
export function asBotError(error: unknown): BotError {
  if (error instanceof BotError) return error;
  return new BotError('INTERNAL', { cause: error });
}
