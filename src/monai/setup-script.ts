import { BotError } from '../errors.js';
import { GATE_SOURCE, gateConfig, MONAI_INTERNAL, type GateSettings } from './gate.js';
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
  /** The gate on the exposed port: its secret prefix and the routes it refuses. */
  gate: GateSettings;
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
  gateConfig(settings.gate); // refuses a token or a blocked route outside its pattern
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
    gate: `${state}/gate.py`,
    gateConfig: `${state}/gate.json`,
    gatePidfile: `${state}/gate.pid`,
    gateLog: `${state}/gate.log`,
  };
}

/**
 * A shell function `name` that is true when the process recorded in `pidfile` still runs and is
 * the one recorded (its command line names one of `patterns`: a PID may have been reused); it
 * leaves the PID in $`variable`.
 */
function recordedProcess(name: string, pidfile: string, variable: string, patterns: readonly string[]): string {
  return `${name}() {
  [ -f ${shellQuote(pidfile)} ] || return 1
  ${variable}=$(cat ${shellQuote(pidfile)} 2>/dev/null) || return 1
  case "$${variable}" in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$${variable}" 2>/dev/null || return 1
  if [ -r "/proc/$${variable}/cmdline" ]; then tr '\\0' ' ' < "/proc/$${variable}/cmdline" | grep -q ${patterns.map((pattern) => `-e ${pattern}`).join(' ')} || return 1; fi
  return 0
}`;
}

/** True when the recorded server process still runs; sets $pid. */
export function runningFunction(pidfile: string): string {
  return recordedProcess('running', pidfile, 'pid', ['monailabel', 'deepgrow.sh']);
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
    // Loopback only: the public port belongs to the gate (gate.py), which admits only the secret URL.
    `exec monailabel start_server --app ${shellQuote(`${volume}/venv/radiology`)} --studies ${shellQuote(settings.dicomwebUrl)} ${conf.join(' ')} --host ${MONAI_INTERNAL.host} --port ${MONAI_INTERNAL.port}`,
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
${gateProbe(settings)}
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
  keep_server=1
else
  keep_server=0
  if running; then mark server=stopping pid="$pid"; stop_server; fi
fi

${gateFunctions(settings)}
ensure_gate ${force ? 1 : 0}

if [ "$keep_server" = 1 ]; then mark server=kept pid="$pid"; else
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
  const gateLog = shellQuote(paths(volume).gateLog);
  return `if [ -f ${log} ]; then tail -n ${count} ${log}; else echo "(MONAI Label has not written a log yet)"; fi
if [ -f ${gateLog} ]; then echo "${GATE_LOG_HEADING}"; tail -n 5 ${gateLog}; fi\n`;
}

export interface SetupMarker {
  check?: string;
  gate?: string;
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

// ---- The gate on the exposed port (gate.py): its own start, stop and checks, apart from MONAI Label's.

/** Separates MONAI Label's log from the gate's in /monai logs. */
export const GATE_LOG_HEADING = '--- the gate on port 8000 (admits only the secret URL) ---';

/** True when the recorded gate process still runs; sets $gate_pid. */
export function gateRunningFunction(pidfile: string): string {
  return recordedProcess('gate_running', pidfile, 'gate_pid', ['gate.py']);
}

/** Whether the gate runs, and with exactly the configuration wanted now (its digest; the token stays off the wire). */
export function gateProbe(settings: ScriptSettings): string {
  const p = paths(settings.volume);
  const { digest } = gateConfig(settings.gate);
  return `${gateRunningFunction(p.gatePidfile)}
if gate_running; then
  if grep -qF '"digest":"${digest}"' ${shellQuote(p.gateConfig)} 2>/dev/null; then mark gate=running pid="$gate_pid" settings=match
  else mark gate=running pid="$gate_pid" settings=differ; fi
else mark gate=stopped; fi`;
}

/**
 * Shell functions that write gate.py and its configuration (mode 600: it holds the token) and
 * (re)start the gate unless it already runs with exactly this configuration. \`ensure_gate 1\`
 * restarts it regardless. It waits until the gate listens and marks gate=started, kept or failed.
 */
export function gateFunctions(settings: ScriptSettings): string {
  const p = paths(settings.volume);
  const q = shellQuote;
  const config = gateConfig(settings.gate);
  return `${gateRunningFunction(p.gatePidfile)}
stop_gate() {
  kill -TERM "$gate_pid" 2>/dev/null || true
  i=0; while gate_running && [ "$i" -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
  if gate_running; then kill -KILL "$gate_pid" 2>/dev/null || true; fi
  rm -f ${q(p.gatePidfile)}
}
ensure_gate() {
  ( umask 077
    cat > ${q(`${p.gateConfig}.next`)} <<'MONAI_POD_BOT_GATE_CONFIG'
${config.json}MONAI_POD_BOT_GATE_CONFIG
  )
  if gate_running && [ "$1" = 0 ] && cmp -s ${q(`${p.gateConfig}.next`)} ${q(p.gateConfig)}; then
    rm -f ${q(`${p.gateConfig}.next`)}
    mark gate=kept pid="$gate_pid"
    return 0
  fi
  if gate_running; then stop_gate; fi
  cat > ${q(p.gate)} <<'MONAI_POD_BOT_GATE_SOURCE'
${GATE_SOURCE}MONAI_POD_BOT_GATE_SOURCE
  mv -f ${q(`${p.gateConfig}.next`)} ${q(p.gateConfig)}
  if [ -f ${q(p.gateLog)} ]; then mv -f ${q(p.gateLog)} ${q(`${p.gateLog}.1`)}; fi
  gate_python=${q(`${settings.volume}/venv/bin/python`)}
  [ -x "$gate_python" ] || gate_python=${q(settings.python)}
  if command -v setsid >/dev/null 2>&1; then
    setsid nohup "$gate_python" ${q(p.gate)} ${q(p.gateConfig)} > ${q(p.gateLog)} 2>&1 < /dev/null &
  else
    nohup "$gate_python" ${q(p.gate)} ${q(p.gateConfig)} > ${q(p.gateLog)} 2>&1 < /dev/null &
  fi
  gate_pid=$!
  echo "$gate_pid" > ${q(p.gatePidfile)}
  i=0
  while [ "$i" -lt 100 ]; do
    if grep -q 'listening on' ${q(p.gateLog)} 2>/dev/null; then mark gate=started pid="$gate_pid"; return 0; fi
    kill -0 "$gate_pid" 2>/dev/null || break
    sleep 0.1; i=$((i + 1))
  done
  tail -n 5 ${q(p.gateLog)} 2>/dev/null || true
  mark gate=failed
}`;
}

/** Starts the gate alone (MONAI Label keeps running): after a new secret URL, or when the gate died. */
export function gateScript(settings: ScriptSettings, force: boolean): string {
  check(settings);
  return `${PRELUDE}
umask 022
install -d -m 700 ${shellQuote(paths(settings.volume).state)}
${gateFunctions(settings)}
ensure_gate ${force ? 1 : 0}
`;
}
