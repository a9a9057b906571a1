import { BotError } from '../errors.js';
import { RADIOLOGY_MODELS } from './models.js';

/** Everything the scripts need; each value is validated before it is quoted into a script. */
export interface ScriptSettings {
  volume: string;
  /** POD_PYTHON when set; null: the probe looks for the Python that can import torch. */
  python: string | null;
  version: string;
  models: readonly string[];
  sam2: boolean;
  dicomwebUrl: string;
  dicomwebUsername?: string | undefined;
  dicomwebPassword?: string | undefined;
}

export const MARKER = '@@monai-pod-bot';

/** POSIX single-quoting: the only character needing care inside '…' is ' itself. */
export function shellQuote(value: string): string {
  if (/[\0\n\r]/.test(value)) throw new BotError('INPUT_INVALID', { message: 'A value for the pod contains a line break or NUL.' });
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function invalid(what: string): never {
  throw new BotError('INPUT_INVALID', { message: `Refusing to send an unsafe ${what} to the pod.` });
}

export function checkSettings(settings: ScriptSettings): void {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(settings.volume) || settings.volume.includes('..')) invalid('volume path');
  if (settings.python !== null && !/^[A-Za-z0-9._/-]+$/.test(settings.python)) invalid('Python command');
  if (!/^\d+\.\d+(\.\d+)?[a-z0-9.]*$/.test(settings.version)) invalid('MONAI Label version');
  const known = [...RADIOLOGY_MODELS, 'all'] as readonly string[];
  if (settings.models.length === 0 || settings.models.some((model) => !known.includes(model))) invalid('model list');
  let url: URL;
  try {
    url = new URL(settings.dicomwebUrl);
  } catch {
    invalid('DICOMweb URL');
  }
  // The monailabel wrapper passes its arguments unquoted ($*): no whitespace may reach it.
  if (!/^https?:$/.test(url.protocol) || /[\s\0]/.test(settings.dicomwebUrl)) invalid('DICOMweb URL');
  for (const credential of [settings.dicomwebUsername, settings.dicomwebPassword]) {
    // eslint-disable-next-line no-control-regex
    if (credential !== undefined && (credential.length > 256 || /[\u0000-\u001f\u007f]/.test(credential))) invalid('DICOMweb credential');
  }
}

export const PRELUDE = `set -eu
( set -o pipefail ) 2>/dev/null && set -o pipefail
mark() { printf '${MARKER} %s\\n' "$*"; }`;

export function paths(volume: string) {
  const state = `${volume}/.monai-pod-bot`;
  return {
    state,
    creds: `${state}/dicomweb.env`,
    pidfile: `${state}/server.pid`,
    log: `${volume}/monailabel.log`,
    server: `${volume}/deepgrow.sh`,
  };
}

/** True when the recorded server process still runs (guarding against a reused PID). */
export function runningFunction(pidfile: string): string {
  return `running() {
  [ -f ${shellQuote(pidfile)} ] || return 1
  pid=$(cat ${shellQuote(pidfile)} 2>/dev/null) || return 1
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then tr '\\0' ' ' < "/proc/$pid/cmdline" | grep -q -e monailabel -e deepgrow.sh || return 1; fi
  return 0
}`;
}

/** The tutorial's deepgrow.sh, with the venv activated, credentials from a root-only file, and exec. */
export function serverScript(settings: ScriptSettings): string {
  checkSettings(settings);
  const { volume } = settings;
  const p = paths(volume);
  const conf = [`--conf models ${shellQuote(settings.models.join(','))}`, `--conf sam2 ${settings.sam2 ? 'true' : 'false'}`];
  return [
    '#!/bin/bash',
    '# Written by monai-pod-bot on every start; edits here are overwritten.',
    `source ${shellQuote(`${volume}/venv/bin/activate`)}`,
    `if [ -f ${shellQuote(p.creds)} ]; then . ${shellQuote(p.creds)}; fi`,
    // The default cache is under ~, on the container disk that every stop wipes.
    `export MONAI_LABEL_DICOMWEB_CACHE_PATH=${shellQuote(`${volume}/.cache/dicomweb`)}`,
    `exec monailabel start_server --app ${shellQuote(`${volume}/venv/radiology`)} --studies ${shellQuote(settings.dicomwebUrl)} ${conf.join(' ')}`,
    '',
  ].join('\n');
}

/** Stops the recorded server and its process group, waiting up to 10 s before SIGKILL. */
function stopServerFunction(pidfile: string): string {
  return `stop_server() {
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  i=0; while running && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  if running; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f ${shellQuote(pidfile)}
}`;
}

/**
 * Writes the credentials and the server script, then starts MONAI Label detached — or keeps the
 * one that runs with exactly these settings unless \`force\`.
 */
export function startScript(settings: ScriptSettings, force: boolean): string {
  checkSettings(settings);
  const p = paths(settings.volume);
  const q = shellQuote;
  const credentials =
    settings.dicomwebUsername !== undefined && settings.dicomwebPassword !== undefined
      ? `( umask 077
  cat > ${q(`${p.creds}.tmp`)} <<'MONAI_POD_BOT_CREDENTIALS'
export MONAI_LABEL_DICOMWEB_USERNAME=${q(settings.dicomwebUsername)}
export MONAI_LABEL_DICOMWEB_PASSWORD=${q(settings.dicomwebPassword)}
MONAI_POD_BOT_CREDENTIALS
  mv -f ${q(`${p.creds}.tmp`)} ${q(p.creds)} )`
      : `rm -f ${q(p.creds)}`;
  return `${PRELUDE}
umask 022
install -d -m 700 ${q(p.state)}
${credentials}

cat > ${q(`${p.server}.next`)} <<'MONAI_POD_BOT_SERVER'
${serverScript(settings)}MONAI_POD_BOT_SERVER

${runningFunction(p.pidfile)}
${stopServerFunction(p.pidfile)}

if running && [ ${force ? '1' : '0'} = 0 ] && cmp -s ${q(`${p.server}.next`)} ${q(p.server)}; then
  rm -f ${q(`${p.server}.next`)}
  mark server=kept pid="$pid"
else
  if running; then mark server=stopping pid="$pid"; stop_server; fi
  mv -f ${q(`${p.server}.next`)} ${q(p.server)}
  if [ -f ${q(p.log)} ]; then mv -f ${q(p.log)} ${q(`${p.log}.1`)}; fi
  # Detached from this SSH session: its own session, no terminal, output to the log.
  if command -v setsid >/dev/null 2>&1; then
    setsid nohup bash ${q(p.server)} > ${q(p.log)} 2>&1 < /dev/null &
  else
    nohup bash ${q(p.server)} > ${q(p.log)} 2>&1 < /dev/null &
  fi
  echo $! > ${q(p.pidfile)}
  mark server=started pid=$!
fi
`;
}

/**
 * Streams the server's log until the server exits or the watch ends. A heartbeat line every two
 * seconds makes the loop end by itself (SIGPIPE) once the bot closes the channel.
 */
export function watchScript(volume: string, maxSeconds: number): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(volume)) invalid('volume path');
  const p = paths(volume);
  return `${PRELUDE}
pid=$(cat ${shellQuote(p.pidfile)} 2>/dev/null || true)
tail -n +1 -F ${shellQuote(p.log)} 2>/dev/null &
tailer=$!
trap 'kill "$tailer" 2>/dev/null || true' EXIT
end=$(( $(date +%s) + ${Math.max(1, Math.round(maxSeconds))} ))
while [ "$(date +%s)" -lt "$end" ]; do
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then sleep 1; mark server=exited; exit 0; fi
  sleep 2
  mark heartbeat
done
mark watch=timeout
`;
}

export function tailScript(volume: string, lines: number): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(volume)) invalid('volume path');
  const count = Math.min(200, Math.max(1, Math.floor(lines)));
  const log = shellQuote(paths(volume).log);
  return `if [ -f ${log} ]; then tail -n ${count} ${log}; else echo "(MONAI Label has not written a log yet)"; fi\n`;
}

/** A marker line's fields: `key=value` (values may be double-quoted, with spaces) or a bare flag. */
export type SetupMarker = Readonly<Record<string, string | true | undefined>>;

/** Parses a marker line; undefined for ordinary output. */
export function parseMarker(line: string): SetupMarker | undefined {
  if (!line.startsWith(`${MARKER} `)) return undefined;
  const marker: Record<string, string | true> = {};
  for (const match of line.slice(MARKER.length + 1).matchAll(/([^\s=]+)(?:=("[^"]*"|\S*))?/g)) {
    const [, key, value] = match;
    marker[key!] = value === undefined ? true : value.replace(/^"|"$/g, '');
  }
  return marker;
}
