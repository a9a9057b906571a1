import { BotError } from '../errors.js';
import { RADIOLOGY_MODELS } from './models.js';

/** Everything the scripts need; each value is validated before it is quoted into a script. */
export interface ScriptSettings {
  volume: string;
  python: string;
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

function check(settings: ScriptSettings): void {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(settings.volume) || settings.volume.includes('..')) invalid('volume path');
  if (!/^[A-Za-z0-9._/-]+$/.test(settings.python)) invalid('Python command');
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
  check(settings);
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

/** The Python checks shared by the probe and the install: present, and a version MONAI Label supports. */
function pythonCheck(): string {
  return `if ! command -v "$PY" >/dev/null 2>&1; then echo "$PY was not found on the pod." >&2; mark python=missing; exit 3; fi
if ! "$PY" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] < (3, 13) else 1)'; then
  echo "MONAI Label $VERSION needs Python 3.9 to 3.12; the pod has $("$PY" -V 2>&1)." >&2; mark python=unsupported; exit 3
fi`;
}

/**
 * Reads, without changing anything, what the volume holds and whether MONAI Label runs with the
 * settings wanted now: one round trip, answered in marker lines.
 */
export function probeScript(settings: ScriptSettings): string {
  check(settings);
  const p = paths(settings.volume);
  const q = shellQuote;
  return `${PRELUDE}
VOL=${q(settings.volume)}
PY=${q(settings.python)}
VERSION=${q(settings.version)}
if ! command -v "$PY" >/dev/null 2>&1; then mark python=missing reason="$PY was not found on the pod."
elif ! "$PY" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] < (3, 13) else 1)'; then
  mark python=unsupported version="$("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo unknown)"
else mark python=ok version="$("$PY" -c 'import platform; print(platform.python_version())')"; fi
if [ -x "$VOL/venv/bin/python" ]; then
  mark venv=yes installed="$("$VOL/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("monailabel"))' 2>/dev/null || echo none)"
else mark venv=no installed=none; fi
for app in radiology monaibundle; do if [ -d "$VOL/venv/$app" ]; then mark app="$app"; fi; done
${runningFunction(p.pidfile)}
if running; then
  if cmp -s - ${q(p.server)} <<'MONAI_POD_BOT_SERVER'
${serverScript(settings)}MONAI_POD_BOT_SERVER
  then mark server=running pid="$pid" settings=match
  else mark server=running pid="$pid" settings=differ; fi
else mark server=stopped; fi
`;
}

/**
 * Installs MONAI Label into the volume, each step only when needed: the volume outlives the pod's
 * container, and the tutorial's \`&&\` chain fails on a second run because \`monailabel apps
 * --download\` refuses an existing folder. Progress goes out as marker lines. Scripts travel on
 * stdin, so no value appears in a process list.
 */
export function installScript(settings: ScriptSettings): string {
  check(settings);
  const q = shellQuote;
  return `${PRELUDE}
VOL=${q(settings.volume)}
PY=${q(settings.python)}
VERSION=${q(settings.version)}
umask 022
mkdir -p "$VOL"
install -d -m 700 ${q(paths(settings.volume).state)}
${pythonCheck()}

if [ -x "$VOL/venv/bin/python" ]; then mark step=venv state=skip; else
  mark step=venv state=begin
  "$PY" -m venv --system-site-packages "$VOL/venv"
  mark step=venv state=done
fi
. "$VOL/venv/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1

installed=$(python -c 'import importlib.metadata as m; print(m.version("monailabel"))' 2>/dev/null || true)
if [ "$installed" = "$VERSION" ]; then mark step=pip state=skip; else
  mark step=pip state=begin
  pip install --progress-bar off "monailabel==$VERSION"
  # Apps copied by another monailabel version fail to import: set them aside (they may hold trained models).
  if [ -n "$installed" ]; then
    for app in radiology monaibundle; do
      if [ -d "$VOL/venv/$app" ]; then mv "$VOL/venv/$app" "$VOL/venv/$app.from-$installed.$(date +%s)"; fi
    done
  fi
  mark step=pip state=done
fi

cd "$VOL/venv"
for app in radiology monaibundle; do
  if [ -d "$app" ]; then mark step=app-$app state=skip; else
    mark step=app-$app state=begin
    monailabel apps --name "$app" --download --output .
    mark step=app-$app state=done
  fi
done
mark installed="$VERSION"
`;
}

/**
 * Writes the credentials and the server script, then starts MONAI Label detached — or keeps the
 * one that runs with exactly these settings unless \`force\`.
 */
export function startScript(settings: ScriptSettings, force: boolean): string {
  check(settings);
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
 * Streams the server's log until the server exits or the watch ends. A heartbeat line every half
 * second makes the loop end by itself (SIGPIPE) soon after the bot closes the channel: OpenSSH
 * keeps a channel open until its command ends, and the bot waits for that before the URL goes out.
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
  sleep 0.5
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

export interface SetupMarker {
  check?: string;
  python?: string;
  version?: string;
  venv?: string;
  installed?: string;
  app?: string;
  settings?: string;
  status?: string;
  count?: string;
  reason?: string;
  avail_kb?: string;
  total_kb?: string;
  step?: string;
  state?: string;
  server?: string;
  pid?: string;
  watch?: string;
  heartbeat?: boolean;
}

/** Parses a marker line; undefined for ordinary output. */
export function parseMarker(line: string): SetupMarker | undefined {
  if (!line.startsWith(`${MARKER} `)) return undefined;
  const marker: Record<string, string | boolean> = {};
  for (const part of line.slice(MARKER.length + 1).trim().split(/\s+/)) {
    const at = part.indexOf('=');
    if (at < 0) marker[part] = true;
    else marker[part.slice(0, at)] = part.slice(at + 1).replace(/^"|"$/g, '');
  }
  return marker as SetupMarker;
}
