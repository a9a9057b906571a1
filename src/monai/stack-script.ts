import { releasePins } from './pins.js';
import { constraintsText, pipCommands, PYTHON_CANDIDATES, requirementsText, stackPaths, stackStamp, type InstallPlan } from './python-stack.js';
import { checkSettings, gateProbe, paths, PRELUDE, runningFunction, serverScript, shellQuote, type ScriptSettings } from './setup-script.js';

/**
 * One Python's facts on one line of `key=value` pairs: the interpreter, its version, and the
 * versions of the packages the install depends on (torch's CUDA build too). Double quotes only:
 * it travels inside single quotes.
 */
export const PYTHON_FACTS = `import platform, sys
from importlib import metadata
def v(name):
    try:
        return metadata.version(name)
    except Exception:
        return "none"
torch = v("torch")
cuda = "none"
if torch != "none":
    try:
        import torch as t
        cuda = t.version.cuda or "none"
    except Exception:
        torch = "broken"
print("path=%s version=%s torch=%s torchvision=%s cuda=%s monailabel=%s sam2=%s" % (sys.executable, platform.python_version(), torch, v("torchvision"), cuda, v("monailabel"), v("sam2")))`;

/** `pyfacts LABEL PYTHON` prints a marker line with what that Python has (or that it is missing). */
export function pythonFactsFunction(): string {
  return `PYTHON_FACTS='${PYTHON_FACTS}'
pyfacts() {
  if ! command -v "$2" >/dev/null 2>&1; then mark "$1" cmd="$2" found=missing; return 0; fi
  if facts=$("$2" -c "$PYTHON_FACTS" 2>/dev/null); then mark "$1" cmd="$2" found=yes $facts; else facts=; mark "$1" cmd="$2" found=failed; fi
}`;
}

/** The GPU as the driver shows it, and free space on the volume and the container disk. */
export function hostFacts(volume: string): string {
  return `if command -v nvidia-smi >/dev/null 2>&1; then
  gpu_name=$( (nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || true) | head -n 1 | tr -cd 'A-Za-z0-9 ._()-')
  gpu_cuda=$( (nvidia-smi 2>/dev/null || true) | sed -n 's/.*CUDA Version: *\\([0-9][0-9.]*\\).*/\\1/p' | head -n 1)
  mark gpu name="\\"$gpu_name\\"" cuda="\${gpu_cuda:-none}"
else mark gpu name= cuda=none; fi
d=${shellQuote(volume)}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done
mark disk volume_kb="$(df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $4 }')" container_kb="$(df -Pk / 2>/dev/null | awk 'NR == 2 { print $4 }')"`;
}

/**
 * Reads, without changing anything, what the volume holds, which Python has the image's torch
 * (looked for only while MONAI Label is not installed with the bot's pins), the GPU, the free
 * space, and whether MONAI Label and the gate run with the settings wanted now: one round trip,
 * answered in marker lines.
 */
export function probeScript(settings: ScriptSettings): string {
  checkSettings(settings);
  const p = paths(settings.volume);
  const q = shellQuote;
  const candidates = settings.python ? [settings.python] : [...PYTHON_CANDIDATES];
  return `${PRELUDE}
VOL=${q(settings.volume)}
VERSION=${q(settings.version)}
${pythonFactsFunction()}
facts=
if [ -x "$VOL/venv/bin/python" ]; then pyfacts venv "$VOL/venv/bin/python"; else mark venv cmd=venv found=missing; fi
installed=$(printf '%s' "$facts" | sed -n 's/.* monailabel=\\([^ ]*\\).*/\\1/p')
stamp=$(head -c 200 ${q(stackPaths(settings.volume).stamp)} 2>/dev/null | tr -cd 'A-Za-z0-9._-' || true)
mark stack stamp="\${stamp:-none}"
if [ "$installed" != "$VERSION" ] || [ -z "$stamp" ]; then
  for candidate in ${candidates.map(q).join(' ')}; do pyfacts python "$candidate"; done
fi
for app in radiology monaibundle; do if [ -d "$VOL/venv/$app" ]; then mark app="$app"; fi; done
${hostFacts(settings.volume)}
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

const render = (argv: readonly string[]) => argv.map((arg) => (/^[A-Za-z0-9_./=:,<>-]+$/.test(arg) && !/[<>]/.test(arg) ? arg : shellQuote(arg))).join(' ');

/**
 * pip check over the whole environment (the image's packages too). A broken requirement of a
 * package the install put into the venv, or of the image's torch pair, fails the install with
 * pip's lines; one between the image's own other packages (Jupyter and the like, which MONAI
 * Label never imports) is passed on as a warning. SAM 2, left out on purpose unless wanted, is
 * not a problem: the radiology app adds its models only when it can import it.
 */
function pipCheck(check: readonly string[], sam2: boolean): string {
  const expected = sam2 ? '' : ` | grep -v -E '^monailabel [^ ]+ requires sam2, which is not installed\\.$'`;
  return `site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
problems=$(${render(check)} 2>&1 || true)
problems=$(printf '%s\\n' "$problems" | grep -E ' (requires|has requirement) '${expected} || true)
if [ -z "$problems" ]; then mark check=pip status=ok
else
  own=$(python -m pip list --path "$site" --format=freeze 2>/dev/null | cut -d= -f1 | tr 'A-Z_.' 'a-z--' | tr '\\n' ' ')
  if printf '%s\\n' "$problems" | awk -v own="$own torch torchvision" 'BEGIN { n = split(own, names, " "); for (i = 1; i <= n; i++) ours[names[i]] = 1 }
    { name = tolower($1); gsub(/[_.]/, "-", name); if (name in ours) bad = 1 } END { exit bad ? 1 : 0 }'; then
    mark check=pip status=warn
    printf '%s\\n' "$problems"
  else
    mark check=pip status=failed
    printf '%s\\n' "$problems" >&2
    exit 4
  fi
fi`;
}

/**
 * Installs MONAI Label into the volume with the bot's pins, each step only when needed: the
 * volume outlives the pod's container, and \`monailabel apps --download\` refuses an existing
 * folder. The venv sees the image's site-packages, and the constraints hold the image's torch
 * pair, so pip never downloads a torch or CUDA wheel. pip's cache and temporary files go to the
 * volume: the container disk is small and wiped at every stop. Progress goes out as marker lines;
 * the script travels on stdin, so no value appears in a process list.
 */
export function installScript(settings: ScriptSettings, plan: InstallPlan): string {
  checkSettings(settings);
  if (!/^\/[A-Za-z0-9._/-]+$/.test(plan.python)) throw new Error('The install plan’s Python must be an absolute path.');
  const pins = releasePins(settings.version);
  const files = stackPaths(settings.volume);
  const pip = pipCommands(settings.version, plan, files);
  const q = shellQuote;
  return `${PRELUDE}
VOL=${q(settings.volume)}
PY=${q(plan.python)}
VERSION=${q(settings.version)}
STAMP=${q(stackStamp(settings.version))}
umask 022
mkdir -p "$VOL"
install -d -m 700 ${q(paths(settings.volume).state)}
mkdir -p ${q(files.wheels)} ${q(files.tmp)} ${q(files.pipCache)}
export PIP_CACHE_DIR=${q(files.pipCache)} TMPDIR=${q(files.tmp)} PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
cat > ${q(files.constraints)} <<'MONAI_POD_BOT_CONSTRAINTS'
${constraintsText(pins, plan)}MONAI_POD_BOT_CONSTRAINTS
cat > ${q(files.requirements)} <<'MONAI_POD_BOT_REQUIREMENTS'
${requirementsText(pins)}MONAI_POD_BOT_REQUIREMENTS

if [ -x "$VOL/venv/bin/python" ]; then mark step=venv state=skip; else
  mark step=venv state=begin
  "$PY" -m venv --system-site-packages "$VOL/venv"
  mark step=venv state=done
fi
. "$VOL/venv/bin/activate"

installed=$(python -c 'import importlib.metadata as m; print(m.version("monailabel"))' 2>/dev/null || true)
if [ "$installed" = "$VERSION" ] && [ "$(cat ${q(files.stamp)} 2>/dev/null || true)" = "$STAMP" ]; then mark step=pip state=skip; else
  mark step=pip state=begin
  rm -f ${q(files.stamp)}
  # An earlier unpinned install put its own torch into the venv: remove it, so the image's is used again.
  site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  own_torch=$(python -m pip list --path "$site" --format=freeze 2>/dev/null | sed -n 's/^\\(torch\\|torchvision\\|torchaudio\\|triton\\|nvidia-[A-Za-z0-9_.-]*\\)==.*/\\1/p' | tr '\\n' ' ')
  if [ -n "$own_torch" ]; then python -m pip uninstall -y $own_torch; fi
  ${render(pip.monailabel)}
  ${render(pip.requirements)}
  # Apps copied by another monailabel version fail to import: set them aside (they may hold trained models).
  if [ -n "$installed" ] && [ "$installed" != "$VERSION" ]; then
    for app in radiology monaibundle; do
      if [ -d "$VOL/venv/$app" ]; then mv "$VOL/venv/$app" "$VOL/venv/$app.from-$installed.$(date +%s)"; fi
    done
  fi
  mark step=pip state=done
fi
${plan.sam2 ? sam2Step(pip, files.wheels) : ''}
mark step=check state=begin
${pipCheck(pip.check, plan.sam2)}
mark step=check state=done

cd "$VOL/venv"
for app in radiology monaibundle; do
  if [ -d "$app" ]; then mark step=app-$app state=skip; else
    mark step=app-$app state=begin
    monailabel apps --name "$app" --download --output .
    mark step=app-$app state=done
  fi
done
printf '%s\\n' "$STAMP" > ${q(files.stamp)}
mark installed="$VERSION"
`;
}

/** SAM 2 appears to ship as a source distribution: built once, its wheel kept on the volume for every later venv. */
function sam2Step(pip: ReturnType<typeof pipCommands>, wheels: string): string {
  return `if python -c 'import importlib.metadata as m; m.version("sam2")' 2>/dev/null; then mark step=sam2 state=skip; else
  mark step=sam2 state=begin
  if ! ls ${shellQuote(wheels)}/sam2-*.whl >/dev/null 2>&1; then ${render(pip.sam2Build)}; fi
  ${render(pip.sam2Install)}
  mark step=sam2 state=done
fi`;
}
