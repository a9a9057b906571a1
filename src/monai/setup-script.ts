import { BotError } from '../errors.js';
import { GATE_SOURCE, gateConfig, MONAI_INTERNAL, type GateSettings } from './gate.js';
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
  [ -x "$gate_python" ] || gate_python=${q(settings.python ?? 'python3')}
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
  checkSettings(settings);
  return `${PRELUDE}
umask 022
install -d -m 700 ${shellQuote(paths(settings.volume).state)}
${gateFunctions(settings)}
ensure_gate ${force ? 1 : 0}
`;
}
