import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isBotError } from '../../src/errors.js';
import { doctorScript } from '../../src/monai/doctor-script.js';
import { GATE_SOURCE, gateConfig } from '../../src/monai/gate.js';
import type { InstallPlan } from '../../src/monai/python-stack.js';
import { gateScript, parseMarker, serverScript, shellQuote, startScript, tailScript, watchScript, type ScriptSettings } from '../../src/monai/setup-script.js';
import { installScript as installFor, probeScript } from '../../src/monai/stack-script.js';

const plan: InstallPlan = { python: '/usr/bin/python3', pythonVersion: '3.11.10', torch: '2.4.0', torchvision: '0.19.0', sam2: false };
const installScript = (settings: ScriptSettings) => installFor(settings, plan);

const run = promisify(execFile);

const base: ScriptSettings = {
  volume: '/workspace',
  python: 'python3',
  version: '0.8.5',
  models: ['deepgrow_2d', 'deepgrow_3d'],
  sam2: false,
  dicomwebUrl: 'http://pacs.lab.org:8042/dicom-web',
  gate: { token: 'A0b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5', blocked: ['/proxy/', 'POST /train/'] },
};

async function echoed(value: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', `printf '%s' ${shellQuote(value)}`]);
  return stdout;
}

describe('shell quoting', () => {
  it.each([
    'with spaces',
    "it's quoted",
    '"double" quotes',
    '$HOME and ${PATH}',
    'a; rm -rf /',
    '`reboot` and $(reboot)',
    'back\\slash',
    "'; echo pwned; '",
    'ünïcödé ✓',
    '',
  ])('%j reaches bash unchanged', async (value) => {
    expect(await echoed(value)).toBe(value);
  });

  it('refuses line breaks and NUL', () => {
    for (const value of ['two\nlines', 'cr\rhere', 'nul\0byte']) {
      expect(() => shellQuote(value)).toThrow(/line break or NUL/);
    }
  });
});

/** Every script the bot sends to the pod, for the checks that apply to all of them. */
const allScripts = (settings: ScriptSettings) => [probeScript(settings), installScript(settings), startScript(settings, false), startScript(settings, true)];

describe('the scripts for the pod', () => {
  it('are valid bash and follow the tutorial, guarded so that every step can run again', async () => {
    const settings = { ...base, dicomwebUsername: 'orthanc', dicomwebPassword: 'p@ss word' };
    for (const script of allScripts(settings)) await run('bash', ['-n', '-c', script]);
    const install = installScript(settings);
    expect(install).toContain(`if [ -x "$VOL/venv/bin/python" ]; then mark step=venv state=skip; else`);
    expect(install).toContain(`"$PY" -m venv --system-site-packages "$VOL/venv"`);
    expect(install).toContain("PY='/usr/bin/python3'");
    expect(install).toContain(`if [ "$installed" = "$VERSION" ] && [ "$(cat '/workspace/.monai-pod-bot/stack.txt' 2>/dev/null || true)" = "$STAMP" ]; then mark step=pip state=skip; else`);
    expect(install).toContain(`python -m pip install --progress-bar off -c /workspace/.monai-pod-bot/constraints.txt --no-deps monailabel==0.8.5`);
    expect(install).toContain(`python -m pip install --progress-bar off -c /workspace/.monai-pod-bot/constraints.txt -r /workspace/.monai-pod-bot/requirements.txt`);
    expect(install).toContain("export PIP_CACHE_DIR='/workspace/.cache/pip' TMPDIR='/workspace/.monai-pod-bot/tmp'");
    expect(install).not.toMatch(/pip (wheel|install) .*sam2/);
    expect(install).toContain(`if [ -d "$app" ]; then mark step=app-$app state=skip; else`);
    expect(install).toContain('monailabel apps --name "$app" --download --output .');
    expect(startScript(settings, false)).toContain("setsid nohup bash '/workspace/deepgrow.sh' > '/workspace/monailabel.log' 2>&1 < /dev/null &");
    expect(startScript(settings, false)).toContain('if running && [ 0 = 0 ]');
    expect(startScript(settings, true)).toContain('if running && [ 1 = 0 ]');
  });

  it('probe: reads the volume and compares the running server with the settings, changing nothing', () => {
    const probe = probeScript(base);
    expect(probe).toContain(serverScript(base));
    expect(probe).not.toMatch(/pip install|mkdir|rm -|mv |kill -(TERM|KILL)|nohup/);
  });

  it('writes deepgrow.sh as the tutorial does, with the venv, the studies and the models', () => {
    expect(serverScript(base)).toBe(
      [
        '#!/bin/bash',
        '# Written by monai-pod-bot on every start; edits here are overwritten.',
        "source '/workspace/venv/bin/activate'",
        "if [ -f '/workspace/.monai-pod-bot/dicomweb.env' ]; then . '/workspace/.monai-pod-bot/dicomweb.env'; fi",
        "export MONAI_LABEL_DICOMWEB_CACHE_PATH='/workspace/.cache/dicomweb'",
        // On loopback: the exposed port 8000 is the gate's.
        "exec monailabel start_server --app '/workspace/venv/radiology' --studies 'http://pacs.lab.org:8042/dicom-web' --conf models 'deepgrow_2d,deepgrow_3d' --conf sam2 false --host 127.0.0.1 --port 8001",
        '',
      ].join('\n'),
    );
  });

  it('keeps credentials in a root-only file and never on a command line or in output', () => {
    const password = "s3cr3t'$(whoami)`id`";
    const script = startScript({ ...base, dicomwebUsername: 'orthanc', dicomwebPassword: password }, false);
    for (const other of [probeScript({ ...base, dicomwebUsername: 'orthanc', dicomwebPassword: password }), installScript({ ...base, dicomwebUsername: 'orthanc', dicomwebPassword: password })]) {
      expect(other).not.toContain(password);
    }
    expect(script).toContain('( umask 077');
    expect(script.split(shellQuote(password)).length - 1).toBe(1);
    const line = script.split('\n').find((candidate) => candidate.includes(shellQuote(password)));
    expect(line).toBe(`export MONAI_LABEL_DICOMWEB_PASSWORD=${shellQuote(password)}`);
    expect(script).not.toMatch(/set -x|echo .*PASSWORD/);
    expect(serverScript(base)).not.toContain('PASSWORD');
    expect(startScript(base, false)).toContain("rm -f '/workspace/.monai-pod-bot/dicomweb.env'");
  });

  it.each([
    ['a volume that escapes', { volume: '/workspace; rm -rf /' }],
    ['a relative volume', { volume: 'workspace' }],
    ['a volume with ..', { volume: '/workspace/../etc' }],
    ['a python with spaces', { python: 'python3 -c evil' }],
    ['a version with a shell', { version: '0.8.5$(id)' }],
    ['an unknown model', { models: ['deepgrow_2d', 'evil;model'] }],
    ['no model', { models: [] }],
    ['a URL with a space', { dicomwebUrl: 'http://pacs/dicom web' }],
    ['a non-http URL', { dicomwebUrl: 'file:///etc/passwd' }],
    ['a password with a newline', { dicomwebUsername: 'u', dicomwebPassword: 'a\nb' }],
    ['a short gate token', { gate: { token: 'short', blocked: [] } }],
    ['a gate token with a quote', { gate: { token: "A0b1C2d3E4f5G6h7I8j9K0l1M2n3O4p'", blocked: [] } }],
    ['a blocked route with a shell', { gate: { token: 'A0b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5', blocked: ['/proxy/$(id)'] } }],
  ])('refuses %s', (_what, patch) => {
    for (const build of [probeScript, installScript, (settings: ScriptSettings) => startScript(settings, false), (settings: ScriptSettings) => gateScript(settings, false)]) {
      try {
        build({ ...base, ...patch } as ScriptSettings);
        expect.unreachable();
      } catch (error) {
        expect(isBotError(error, 'INPUT_INVALID')).toBe(true);
      }
    }
  });

  it('starts the gate in functions of its own: valid bash, its config root-only, the token only where the gate needs it', async () => {
    const token = base.gate.token;
    for (const script of [gateScript(base, false), gateScript(base, true), startScript(base, false)]) {
      await run('bash', ['-n', '-c', script]);
      expect(script).toContain('ensure_gate');
      expect(script).toContain("( umask 077\n    cat > '/workspace/.monai-pod-bot/gate.json.next' <<'MONAI_POD_BOT_GATE_CONFIG'");
      expect(script).toContain(`"token":"${token}"`);
      expect(script).toContain("cat > '/workspace/.monai-pod-bot/gate.py' <<'MONAI_POD_BOT_GATE_SOURCE'");
    }
    expect(GATE_SOURCE.split('\n')).not.toContain('MONAI_POD_BOT_GATE_SOURCE');
    // The probe and the doctor compare only the configuration's digest: the token stays off those scripts.
    const { digest } = gateConfig(base.gate);
    for (const script of [probeScript(base), doctorScript('/workspace', base.dicomwebUrl, digest)]) {
      expect(script).toContain(`"digest":"${digest}"`);
      expect(script).not.toContain(token);
    }
    expect(gateConfig({ ...base.gate, blocked: ['/proxy/'] }).digest).not.toBe(digest);
    expect(gateConfig({ ...base.gate, token: 'B0b1C2d3E4f5G6h7I8j9K0l1M2n3O4p5' }).digest).not.toBe(digest);
  });

  it('builds the watch and log scripts as valid bash with bounded sizes', async () => {
    await run('bash', ['-n', '-c', watchScript('/workspace', 60)]);
    expect(tailScript('/workspace', 5000)).toContain('tail -n 200 ');
    expect(tailScript('/workspace', 0)).toContain('tail -n 1 ');
  });

  it('parses progress markers', () => {
    expect(parseMarker('@@monai-pod-bot step=pip state=begin')).toEqual({ step: 'pip', state: 'begin' });
    expect(parseMarker('@@monai-pod-bot server=started pid=42')).toEqual({ server: 'started', pid: '42' });
    expect(parseMarker('@@monai-pod-bot heartbeat')).toEqual({ heartbeat: true });
    expect(parseMarker('@@monai-pod-bot gpu name="NVIDIA GeForce RTX 4090" cuda=12.4')).toEqual({ gpu: true, name: 'NVIDIA GeForce RTX 4090', cuda: '12.4' });
    expect(parseMarker('Collecting monailabel==0.8.5')).toBeUndefined();
  });
});
