import { gateRunningFunction, invalid, MARKER, paths, PRELUDE, runningFunction, shellQuote } from './setup-script.js';
import { hostFacts, pythonFactsFunction } from './stack-script.js';

/**
 * What /monai doctor asks the pod in one round trip: are the server and the gate alive (the gate
 * with the configuration named by \`gateDigest\`), does the
 * DICOMweb server answer a QIDO-RS query from the pod (with the bot's credentials file, whose
 * values never leave the pod), and how much room is left on the volume.
 */
export function doctorScript(volume: string, dicomwebUrl: string, gateDigest: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(volume) || volume.includes('..')) invalid('volume path');
  if (!/^[a-f0-9]{8,64}$/.test(gateDigest)) invalid('gate digest');
  if (!/^https?:\/\/[^\s\0]+$/.test(dicomwebUrl)) invalid('DICOMweb URL');
  const p = paths(volume);
  const q = shellQuote;
  return `${PRELUDE}
set +e
${runningFunction(p.pidfile)}
if running; then mark check=process status=ok pid="$pid"; else mark check=process status=down; fi
${gateRunningFunction(p.gatePidfile)}
if gate_running; then
  if grep -qF '"digest":"${gateDigest}"' ${q(p.gateConfig)} 2>/dev/null; then mark check=gate status=ok pid="$gate_pid" settings=match
  else mark check=gate status=ok pid="$gate_pid" settings=differ; fi
else mark check=gate status=down; fi
if [ -f ${q(p.creds)} ]; then . ${q(p.creds)}; fi
PY=${q(`${volume}/venv/bin/python`)}
[ -x "$PY" ] || PY=python3
DOCTOR_DICOMWEB_URL=${q(dicomwebUrl)} "$PY" - <<'MONAI_POD_BOT_QIDO'
import base64, json, os, urllib.error, urllib.request
url = os.environ["DOCTOR_DICOMWEB_URL"].rstrip("/") + "/series?Modality=CT&limit=1"
request = urllib.request.Request(url, headers={"Accept": "application/dicom+json"})
user = os.environ.get("MONAI_LABEL_DICOMWEB_USERNAME")
password = os.environ.get("MONAI_LABEL_DICOMWEB_PASSWORD")
if user and password:
    request.add_header("Authorization", "Basic " + base64.b64encode((user + ":" + password).encode()).decode())
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode() or "[]"
        print("${MARKER} check=dicomweb status=%d count=%d" % (response.status, len(json.loads(body))))
except urllib.error.HTTPError as error:
    print("${MARKER} check=dicomweb status=%d" % error.code)
except Exception as error:
    print("${MARKER} check=dicomweb status=error reason=%s" % type(error).__name__)
MONAI_POD_BOT_QIDO
df -Pk ${q(volume)} 2>/dev/null | awk 'NR == 2 { printf "${MARKER} check=disk avail_kb=%s total_kb=%s\\n", $4, $2 }'
${pythonFactsFunction()}
if [ -x ${q(`${volume}/venv/bin/python`)} ]; then pyfacts check=torch ${q(`${volume}/venv/bin/python`)}; fi
${hostFacts(volume)}
`;
}

