/**
 * How the bot's process ends. The values follow BSD's sysexits.h, so a supervisor can tell a
 * mistake that a restart cannot fix from a crash that a restart may: the systemd unit lists
 * USAGE and CONFIG in RestartPreventExitStatus=.
 */
export const EXIT = {
  OK: 0,
  /** Anything unexpected: a restart may help. */
  FAILURE: 1,
  /** EX_USAGE: an unknown or incomplete command-line flag. */
  USAGE: 64,
  /** EX_CONFIG: a setting (or a file or Slack app setting it names) is wrong; fix it, then start again. */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
