import { constants } from 'node:fs';
import { access, mkdir, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from '../config/fixes.js';
import type { Host } from '../util/host.js';

/** A file the bot must be able to create and write: its database or its log file. */
export interface WritableFile {
  variable: 'DATABASE_PATH' | 'LOG_FILE';
  path: string;
}

export interface PathProblem {
  detail: string;
  fix: string;
}

const errno = (error: unknown) => (error as { code?: string }).code;

/** Where each file can go when its folder is read-only (systemd's ProtectSystem=strict, a container). */
function writableAlternative(file: WritableFile, host: Host): string {
  if (host.inContainer) {
    return file.variable === 'LOG_FILE' ? 'LOG_FILE=/data/logs/monai-pod-bot.log (inside the container only the /data volume is writable)' : 'DATABASE_PATH=/data/monai-pod-bot.sqlite (the /data volume)';
  }
  return file.variable === 'LOG_FILE'
    ? 'LOG_FILE=./data/logs/bot.log, or, under the systemd unit, LOG_FILE=/var/log/monai-pod-bot/bot.log (its LogsDirectory=monai-pod-bot makes that folder writable; ProtectSystem=strict makes the rest read-only)'
    : 'DATABASE_PATH=./data/monai-pod-bot.sqlite (the systemd unit’s ReadWritePaths= makes ./data writable)';
}

/**
 * Why this process cannot create or append to the file, or null when it can. Creates nothing, so
 * `npm run check` leaves no file behind owned by whoever ran it.
 */
export async function whyNotWritable(file: WritableFile, host: Host): Promise<PathProblem | null> {
  const path = resolve(file.path);
  const folder = dirname(path);
  const forUser = `writable by the user the bot runs as (${host.user})`;
  const readOnly = (where: string): PathProblem => ({ detail: `${where} is on a read-only file system`, fix: `put ${file.variable} where the bot may write: ${writableAlternative(file, host)}.` });
  const existing = await stat(path).catch(() => null);
  if (existing) {
    if (existing.isDirectory()) return { detail: `${path} is a folder`, fix: `set ${file.variable} to a file in it, e.g. ${file.variable}=${resolve(path, file.variable === 'LOG_FILE' ? 'bot.log' : 'monai-pod-bot.sqlite')}.` };
    try {
      await access(path, constants.W_OK);
      return null;
    } catch (error) {
      if (errno(error) === 'EROFS') return readOnly(path);
      return { detail: `${path} exists but is not ${forUser}`, fix: host.inContainer ? `put ${file.variable} on the volume: ${writableAlternative(file, host)}.` : `give it to that user: sudo chown ${host.user}: ${path}` };
    }
  }
  let ancestor = folder;
  let ancestorStat = await stat(ancestor).catch(() => null);
  while (!ancestorStat && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    ancestorStat = await stat(ancestor).catch(() => null);
  }
  if (ancestorStat && !ancestorStat.isDirectory()) {
    return { detail: `${ancestor} is a file, so the folder ${folder} cannot be created`, fix: `point ${file.variable} into a folder: ${writableAlternative(file, host)}.` };
  }
  try {
    await access(ancestor, constants.W_OK | constants.X_OK);
    return null;
  } catch (error) {
    if (errno(error) === 'EROFS') return readOnly(ancestor);
    const what = ancestor === folder ? `the folder ${folder} is not ${forUser}` : `the folder ${folder} does not exist and ${ancestor} is not ${forUser}, so it cannot be created`;
    const fix = host.inContainer
      ? `put ${file.variable} on the volume: ${writableAlternative(file, host)}.`
      : `${file.variable}’s folder must exist or be creatable, and be ${forUser}: sudo mkdir -p ${folder} && sudo chown ${host.user}: ${folder}`;
    return { detail: what, fix };
  }
}

/** The same problem as a configuration error, for start-up: one wording for npm start and npm run check. */
export function writableIssue(file: WritableFile, problem: PathProblem): ConfigIssue {
  return { variable: file.variable, message: `${file.variable}: ${resolve(file.path)}: ${problem.detail}`, fix: problem.fix };
}

/**
 * Creates the log file's folder and opens the file, so a LOG_FILE the bot cannot write stops
 * start-up with its name and the fix instead of winston's "EACCES … mkdir" later.
 */
export async function prepareLogFile(path: string, host: Host): Promise<ConfigIssue | null> {
  const file: WritableFile = { variable: 'LOG_FILE', path };
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
    await (await open(path, 'a')).close();
    return null;
  } catch (error) {
    const problem = (await whyNotWritable(file, host)) ?? { detail: `cannot be written (${errno(error) ?? String(error)})`, fix: `put LOG_FILE where the bot may write: ${writableAlternative(file, host)}.` };
    return writableIssue(file, problem);
  }
}

/** Why the database could not be opened, as a configuration issue with its fix. */
export async function databaseIssue(path: string, error: unknown, host: Host): Promise<ConfigIssue> {
  const file: WritableFile = { variable: 'DATABASE_PATH', path };
  const message = error instanceof Error ? error.message : String(error);
  if (/newer than this bot knows/.test(message)) {
    return { variable: file.variable, message: `DATABASE_PATH: ${resolve(path)}: ${message}`, fix: 'run the bot version that wrote it, or restore the backup taken before the upgrade.' };
  }
  const problem = (await whyNotWritable(file, host)) ?? {
    detail: message,
    fix: `DATABASE_PATH’s folder must exist or be creatable, and be writable by the user the bot runs as (${host.user}); the file must be an SQLite database.`,
  };
  return writableIssue(file, problem);
}
