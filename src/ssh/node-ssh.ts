import { createHash } from 'node:crypto';
import type { NodeSSH } from 'node-ssh';
import { BotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { HostKeyRepo } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { ExecOptions, ExecResult, PodShell, PodShellConnector, SshTarget } from './shell.js';

export interface NodeSshOptions {
  privateKey: string;
  user: string;
  hostKeys: HostKeyRepo;
  clock: Clock;
  logger: Logger;
  /** How long to keep trying while sshd is not up yet. */
  connectTimeoutMs: number;
  attemptTimeoutMs?: number;
  retryIntervalMs?: number;
  /** Called once per command run on the pod (benchmarks count round trips). */
  onRun?: () => void;
}

/** OpenSSH's fingerprint form: SHA256:<unpadded base64>. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + Math.min(length, 64)).toString('latin1');
}

const NOT_UP_YET = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|Timed out while waiting for handshake|Connection lost before handshake|socket hang up|kex_exchange_identification|closed by remote host/i;

class NodeSshShell implements PodShell {
  constructor(
    private readonly ssh: NodeSSH,
    private readonly onRun: (() => void) | undefined,
  ) {}

  async run(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.onRun?.();
    const split = (stream: 'stdout' | 'stderr') => {
      let rest = '';
      return (chunk: Buffer) => {
        rest += chunk.toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) options.onLine?.(line.replace(/\r$/, ''), stream);
      };
    };
    let timer: NodeJS.Timeout | undefined;
    let channel: { close(): void } | undefined;
    // A cancelled command closes its own channel and is abandoned at once (the remote end may
    // take its time to notice); a hung one takes the connection down with it.
    let abandon = () => {};
    const abandoned = new Promise<never>((_resolve, reject) => {
      abandon = () => {
        if (channel) channel.close();
        else this.ssh.dispose();
        reject(options.signal?.reason);
      };
    });
    abandoned.catch(() => undefined);
    options.signal?.addEventListener('abort', abandon, { once: true });
    if (options.timeoutMs) timer = setTimeout(() => this.ssh.dispose(), options.timeoutMs);
    try {
      const execution = this.ssh.execCommand('bash -s', {
        stdin: script,
        onStdout: split('stdout'),
        onStderr: split('stderr'),
        onChannel: (opened) => {
          channel = opened;
        },
      });
      execution.catch(() => undefined);
      const result = await Promise.race([execution, abandoned]);
      if (options.signal?.aborted) throw options.signal.reason;
      if (result.code === null && result.signal === null && !this.ssh.isConnected()) {
        throw new BotError('SSH_UNREACHABLE', { message: 'The pod stopped answering over SSH in the middle of a command.' });
      }
      return { code: result.code, stdout: result.stdout, stderr: result.stderr };
    } catch (error) {
      if (error instanceof BotError || options.signal?.aborted) throw options.signal?.aborted ? options.signal.reason : error;
      throw new BotError('SSH_UNREACHABLE', { message: 'The SSH connection to the pod broke during a command.', cause: error });
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
    }
  }

  close(): void {
    this.ssh.dispose();
  }
}

/**
 * node-ssh to root at the pod's public SSH mapping. Retries while sshd is not up (refused, reset,
 * timeout), bounded. Host keys are remembered per pod on first contact; a different key later is
 * refused.
 */
export class NodeSshConnector implements PodShellConnector {
  constructor(private readonly options: NodeSshOptions) {}

  async connect(target: SshTarget, signal?: AbortSignal, budgetMs?: number): Promise<PodShell> {
    const { clock, logger } = this.options;
    const budget = budgetMs ?? this.options.connectTimeoutMs;
    const deadline = clock.now() + budget;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const mismatch = { seen: null as string | null, known: null as string | null };
      // Loaded on first use: ssh2 costs ~15 MB of memory that an idle bot does not need.
      const { NodeSSH } = await import('node-ssh');
      const ssh = new NodeSSH();
      try {
        await ssh.connect({
          host: target.host,
          port: target.port,
          username: this.options.user,
          privateKey: this.options.privateKey,
          readyTimeout: Math.max(1000, Math.min(this.options.attemptTimeoutMs ?? 20_000, deadline - clock.now())),
          keepaliveInterval: 15_000,
          tryKeyboard: false,
          hostVerifier: ((key: Buffer, verify: (valid: boolean) => void) => {
            void this.verifyHostKey(target.podId, key, mismatch).then(verify, () => verify(false));
            // ssh2 waits for verify() only when the verifier returns undefined.
            return undefined;
          }) as never,
        });
        // ssh2 emits late socket errors (a reset after we are done) on the client: never let one crash the bot.
        ssh.connection?.on('error', (error: Error) => logger.debug('ssh connection error', { podId: target.podId, reason: error.message }));
        if (attempt > 1) logger.info('ssh connected after retries', { podId: target.podId, attempt });
        return new NodeSshShell(ssh, this.options.onRun);
      } catch (error) {
        ssh.dispose();
        if (mismatch.seen) {
          throw new BotError('SSH_HOST_KEY_CHANGED', {
            message: `Pod ${target.podId} presented the SSH host key ${mismatch.seen}, but the bot remembers ${mismatch.known}. It refused to connect.`,
            cause: error,
          });
        }
        const text = error instanceof Error ? `${error.message} ${(error as { code?: string }).code ?? ''}` : String(error);
        const level = (error as { level?: string } | null)?.level;
        if (level === 'client-authentication' || /authentication methods failed/i.test(text)) {
          throw new BotError('SSH_AUTH_FAILED', { cause: error });
        }
        if (!NOT_UP_YET.test(text) && level !== 'client-timeout' && level !== 'client-socket') {
          throw new BotError('SSH_UNREACHABLE', { message: `SSH to the pod failed: ${text.trim()}`, cause: error });
        }
        if (clock.now() >= deadline) {
          throw new BotError('SSH_UNREACHABLE', {
            message: `The pod’s sshd did not accept connections on ${target.host}:${target.port} within ${Math.round(budget / 1000)}s (last error: ${text.trim()}).`,
            cause: error,
          });
        }
        logger.debug('sshd not up yet, retrying', { podId: target.podId, attempt, reason: text.trim() });
        await clock.sleep(this.options.retryIntervalMs ?? 2000, signal);
      }
    }
  }

  private async verifyHostKey(podId: string, key: Buffer, mismatch: { seen: string | null; known: string | null }): Promise<boolean> {
    const seen = fingerprint(key);
    const known = await this.options.hostKeys.get(podId);
    if (!known) {
      await this.options.hostKeys.remember({ podId, keyType: keyType(key), fingerprint: seen, firstSeen: this.options.clock.now() });
      this.options.logger.info('remembered the pod’s SSH host key', { podId, fingerprint: seen });
      return true;
    }
    if (known.fingerprint === seen) return true;
    mismatch.seen = seen;
    mismatch.known = known.fingerprint;
    this.options.logger.warn('SSH host key mismatch: connection refused', { podId, seen, known: known.fingerprint });
    return false;
  }
}
