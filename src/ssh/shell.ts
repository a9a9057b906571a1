/** The pod over SSH, in the bot's terms. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Called for each complete output line as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /** The command is abandoned (and the connection closed) after this long. */
  timeoutMs?: number;
}

export interface PodShell {
  /** Runs a bash script (sent on stdin, never on the command line). */
  run(script: string, options?: ExecOptions): Promise<ExecResult>;
  close(): void;
}

export interface SshTarget {
  podId: string;
  host: string;
  port: number;
}

export interface PodShellConnector {
  /** Retries while sshd is not up, for at most `budgetMs` (the connector's own limit by default). */
  connect(target: SshTarget, signal?: AbortSignal, budgetMs?: number): Promise<PodShell>;
}

/** Remembered host keys, per pod id. */
export interface HostKeyRecord {
  podId: string;
  keyType: string;
  fingerprint: string;
  firstSeen: number;
}
