/**
 * The no-Python stand-in (src/sim/nopython) runs the bot's real scripts: where a machine has no
 * Python 3.9–3.12 with venv, the console's simulated pod and the tests' pod rely on it. When a script
 * in src/monai/ starts asking the pod's Python something new, this fails until the table in
 * src/sim/nopython/interpreter.ts answers it. Runs whether or not this machine has Python.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorScript } from '../../src/monai/doctor-script.js';
import { GATE_SOURCE, gateConfig } from '../../src/monai/gate.js';
import { stackStamp, type InstallPlan } from '../../src/monai/python-stack.js';
import { MARKER, paths, startScript, type ScriptSettings } from '../../src/monai/setup-script.js';
import { installScript, probeScript } from '../../src/monai/stack-script.js';
import { writeNodeStandinWheel } from '../../src/sim/nopython/launcher.js';
import { torchDevices } from '../../src/sim/nopython/torch.js';
import { FakeOrthanc } from '../../src/sim/orthanc.js';
import { buildPodImage, gpuFileText, type PodImage } from '../../src/sim/pod-image.js';
import { buildNodeStubIndex } from '../../src/sim/pypi/index.js';
import { eventually } from '../helpers/harness.js';
import { COMPILED_NOPYTHON, runOnPod } from '../helpers/pod-tools.js';
import { freePorts } from '../helpers/sshd.js';

let dir = '';
let env: Record<string, string> = {};
let orthanc: FakeOrthanc;
/** The pod's port 8000 (the gate's) and 8001 (MONAI Label's, behind it) on this machine. */
let port = 0;
let internalPort = 0;
let settings: ScriptSettings;
const TOKEN = 'nopython-gate-token-0123456789';
let image: PodImage;
let plan: InstallPlan;

/** A script as the pod runs it: `bash -s` with the script on stdin and the pod's environment. */
const onPod = (script: string) => runOnPod(script, env, dir);

const markers = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith(`${MARKER} `));

const pidIn = (pidfile: string): number | null => (existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : null);
const serverPid = () => pidIn(paths(settings.volume).pidfile);
const gatePid = () => pidIn(paths(settings.volume).gatePidfile);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'monai-nopython-'));
  // A pod image whose python is the stand-in: torch 2.4.0 for CUDA 12.4 in its site-packages, and nvidia-smi.
  image = await buildPodImage({ dir: join(dir, 'image'), interpreter: { kind: 'node', program: COMPILED_NOPYTHON }, torch: '2.4.0', torchCuda: '12.4' });
  plan = { python: image.python, pythonVersion: '3.11.9', torch: '2.4.0', torchvision: '0.19.0', sam2: false };
  await buildNodeStubIndex(join(dir, 'wheels'), '0.8.5');
  await writeNodeStandinWheel(join(dir, 'only-monailabel'), '0.8.5');
  await writeFile(join(dir, 'gpu.json'), gpuFileText({ name: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' }));
  orthanc = await new FakeOrthanc({ series: 4, username: 'orthanc', password: 'pacs pass' }).start();
  [port, internalPort] = (await freePorts(2)) as [number, number];
  env = {
    // The stand-in's python3 comes first, so the script never meets a real Python on this machine.
    PATH: [image.bin, process.env['PATH'] ?? ''].join(delimiter),
    HOME: dir,
    SIMPOD_GPU_FILE: join(dir, 'gpu.json'),
    PIP_NO_INDEX: '1',
    PIP_FIND_LINKS: join(dir, 'wheels'),
    SIMPOD_PORT_8000: String(port),
    SIMPOD_PORT_8001: String(internalPort),
  };
  settings = {
    volume: join(dir, 'volume'),
    python: 'python3',
    version: '0.8.5',
    models: ['deepgrow_2d', 'deepgrow_3d'],
    sam2: false,
    gate: { token: TOKEN, blocked: ['/proxy/'] },
    dicomwebUrl: orthanc.url,
    dicomwebUsername: 'orthanc',
    dicomwebPassword: 'pacs pass',
  };
});

afterAll(async () => {
  for (const pid of [serverPid(), gatePid()]) {
    try {
      if (pid) process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await orthanc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the bot’s setup script on a pod whose Python is the Node stand-in', () => {
  it('creates the venv, installs monailabel with its pinned dependencies, downloads both apps, starts the gate and a server that serves /info/ through it', async () => {
    const probe = await onPod(probeScript(settings));
    expect(probe.stderr).toBe('');
    expect(markers(probe.stdout)).toEqual([
      `${MARKER} venv cmd=venv found=missing`,
      `${MARKER} stack stamp=none`,
      `${MARKER} python cmd=python3 found=yes path=${join(image.bin, 'python3')} version=3.11.9 torch=2.4.0+cu124 torchvision=0.19.0+cu124 cuda=12.4 monailabel=none sam2=none`,
      `${MARKER} gpu name="NVIDIA GeForce RTX 4090" cuda=12.8`,
      expect.stringMatching(new RegExp(`^${MARKER} disk volume_kb=\\d+ container_kb=\\d+$`)),
      `${MARKER} server=stopped`,
      `${MARKER} gate=stopped`,
    ]);
    const install = await onPod(installScript(settings, plan));
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(markers(install.stdout)).toEqual([
      `${MARKER} step=venv state=begin`,
      `${MARKER} step=venv state=done`,
      `${MARKER} step=pip state=begin`,
      `${MARKER} step=pip state=done`,
      `${MARKER} step=check state=begin`,
      `${MARKER} check=pip status=ok`,
      `${MARKER} step=check state=done`,
      `${MARKER} step=app-radiology state=begin`,
      `${MARKER} step=app-radiology state=done`,
      `${MARKER} step=app-monaibundle state=begin`,
      `${MARKER} step=app-monaibundle state=done`,
      `${MARKER} installed=0.8.5`,
    ]);
    // The pins hold: the image's torch pair is kept, MONAI 1.4.0, pydicom 2.4.4, NumPy 1.x, no SAM 2.
    expect(install.stdout).toContain('Successfully installed monailabel-0.8.5');
    expect(install.stdout).toMatch(/Successfully installed .*monai-1\.4\.0 .*pydicom-2\.4\.4/);
    expect(install.stdout).toContain('Requirement already satisfied: torchvision in');
    expect(install.stdout).not.toMatch(/Processing \S*\/(torch|torchvision|triton|nvidia_\w+|sam2)-\d|Processing \S*\/numpy-2/);
    const first = await onPod(startScript(settings, false));
    expect(first.code).toBe(0);
    expect(markers(first.stdout)).toEqual([`${MARKER} gate=started pid=${gatePid()}`, `${MARKER} server=started pid=${serverPid()}`]);
    const { digest } = gateConfig(settings.gate);
    const info = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/${TOKEN}/info/`).catch(() => null);
      if (!response?.ok) return undefined;
      expect(response.headers.get('x-monai-pod-gate')).toBe(digest);
      return (await response.json()) as { version: string; models: Record<string, { config: { device: string[] } }>; datastore: { total: number } };
    }, 30_000);
    expect(info.version).toBe('0.8.5');
    expect(Object.keys(info.models)).toEqual(['deepgrow_2d', 'deepgrow_3d', 'deepgrow_pipeline', 'Histogram+GraphCut', 'GMM+GraphCut']);
    // The image's torch is built for CUDA 12.4 and the driver supports 12.8: MONAI Label sees the GPU.
    expect(info.models['deepgrow_2d']?.config.device).toEqual(['NVIDIA GeForce RTX 4090']);
    expect(info.datastore.total).toBe(4);
    // The public port without the secret: nothing; MONAI Label itself is on the container's 8001 only.
    const bare = await fetch(`http://127.0.0.1:${port}/info/`);
    expect(bare.status).toBe(404);
    expect(await bare.text()).toBe('');
    expect((await fetch(`http://127.0.0.1:${internalPort}/info/`)).status).toBe(200);
    const log = readFileSync(paths(settings.volume).log, 'utf8');
    expect(log).toContain('Uvicorn running on http://127.0.0.1:8001');
    expect(log).not.toContain('pacs pass');
    const gateLog = readFileSync(paths(settings.volume).gateLog, 'utf8');
    expect(gateLog).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] listening on 0\.0\.0\.0:8000, forwarding the secret path to 127\.0\.0\.1:8001; blocked: PUT \/model\/, DELETE \/model\/, \/proxy\/\n$/);
  });

  it('runs again without a second install, download, server or gate', async () => {
    const pid = serverPid();
    const gate = gatePid();
    const probe = await onPod(probeScript(settings));
    expect(markers(probe.stdout)).toEqual(
      expect.arrayContaining([
        `${MARKER} venv cmd=${join(settings.volume, 'venv', 'bin', 'python')} found=yes path=${join(settings.volume, 'venv', 'bin', 'python')} version=3.11.9 torch=2.4.0+cu124 torchvision=0.19.0+cu124 cuda=12.4 monailabel=0.8.5 sam2=none`,
        `${MARKER} stack stamp=${stackStamp('0.8.5')}`,
        `${MARKER} app=radiology`,
        `${MARKER} app=monaibundle`,
        `${MARKER} server=running pid=${pid} settings=match`,
        `${MARKER} gate=running pid=${gate} settings=match`,
      ]),
    );
    // Installed with the bot's pins: the Pythons are not looked at again.
    expect(markers(probe.stdout).filter((line) => line.includes(' python '))).toEqual([]);
    const install = await onPod(installScript(settings, plan));
    expect(install.code).toBe(0);
    expect(markers(install.stdout)).toEqual([
      `${MARKER} step=venv state=skip`,
      `${MARKER} step=pip state=skip`,
      `${MARKER} step=check state=begin`,
      `${MARKER} check=pip status=ok`,
      `${MARKER} step=check state=done`,
      `${MARKER} step=app-radiology state=skip`,
      `${MARKER} step=app-monaibundle state=skip`,
      `${MARKER} installed=0.8.5`,
    ]);
    const again = await onPod(startScript(settings, false));
    expect(markers(again.stdout)).toEqual([`${MARKER} gate=kept pid=${gate}`, `${MARKER} server=kept pid=${pid}`]);
  });

  it('sees the GPU only when the image’s torch build runs on the host’s driver, as the image’s torch does', async () => {
    const venv = join(settings.volume, 'venv');
    const gpu = async (driverCuda: string) => {
      const file = join(dir, `gpu-${driverCuda}.json`);
      await writeFile(file, gpuFileText({ name: 'NVIDIA GeForce RTX 4090', driverCuda }));
      return torchDevices({ VIRTUAL_ENV: venv, SIMPOD_GPU_FILE: file });
    };
    expect(await gpu('12.8')).toEqual(['NVIDIA GeForce RTX 4090']);
    expect(await gpu('12.4')).toEqual(['NVIDIA GeForce RTX 4090']);
    expect(await gpu('12.2')).toEqual(['cpu']);
    expect(torchDevices({ VIRTUAL_ENV: venv })).toEqual(['cpu']);
    // Run from source, without a venv or torch: the tests' GPU, as the Python stand-in does.
    expect(torchDevices({})).toBeNull();
  });

  it('answers the doctor’s checks from the pod', async () => {
    const doctor = await onPod(doctorScript(settings.volume, settings.dicomwebUrl, gateConfig(settings.gate).digest));
    expect(doctor.code).toBe(0);
    expect(markers(doctor.stdout)).toEqual(
      expect.arrayContaining([
        `${MARKER} check=process status=ok pid=${serverPid()}`,
        `${MARKER} check=gate status=ok pid=${gatePid()} settings=match`,
        `${MARKER} check=dicomweb status=200 count=1`,
        expect.stringMatching(new RegExp(`^${MARKER} check=disk avail_kb=\\d+ total_kb=\\d+$`)),
        expect.stringMatching(new RegExp(`^${MARKER} check=torch cmd=\\S+ found=yes .* torch=2\\.4\\.0\\+cu124 .*cuda=12\\.4 `)),
        `${MARKER} gpu name="NVIDIA GeForce RTX 4090" cuda=12.8`,
      ]),
    );
    expect(orthanc.requests.at(-1)).toMatchObject({ path: '/dicom-web/series?Modality=CT&limit=1', authorized: true });
  });

  it('fails as pip fails for a requirement the index does not have', async () => {
    const volume = join(dir, 'other-volume');
    const result = await onPod(installScript({ ...settings, volume }, plan).replace(/^/, `export PIP_FIND_LINKS='${join(dir, 'only-monailabel')}'\n`));
    expect(result.code).not.toBe(0);
    expect(markers(result.stdout)).toContain(`${MARKER} step=pip state=begin`);
    expect(result.stderr).toContain('ERROR: No matching distribution found for monai[');
  });

  it('stops the gate on SIGTERM as gate.py does, saying so in its log', async () => {
    const pid = gatePid()!;
    process.kill(pid, 'SIGTERM');
    await eventually(async () => (readFileSync(paths(settings.volume).gateLog, 'utf8').includes('] stopped\n') ? true : undefined), 30_000);
    await expect(fetch(`http://127.0.0.1:${port}/${TOKEN}/info/`)).rejects.toThrow();
    const restarted = await onPod(startScript(settings, false));
    expect(markers(restarted.stdout)).toEqual([`${MARKER} gate=started pid=${gatePid()}`, `${MARKER} server=kept pid=${serverPid()}`]);
    expect((await fetch(`http://127.0.0.1:${port}/${TOKEN}/info/`)).status).toBe(200);
  });

  it('runs only the gate.py its Node gate mirrors: any other is refused loudly, naming where to bring it in step', async () => {
    const other = join(dir, 'other', 'gate.py');
    await mkdir(join(dir, 'other'));
    await writeFile(other, `${GATE_SOURCE}# one more line\n`);
    const result = await onPod(`"${settings.volume}/venv/bin/python" ${other} ${paths(settings.volume).gateConfig}`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`does not understand: python ${other} (a gate.py other than the one src/sim/nopython mirrors`);
    const missing = await onPod(`"${settings.volume}/venv/bin/python" ${join(dir, 'absent.py')}`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`python3: can't open file '${join(dir, 'absent.py')}': [Errno 2] No such file or directory\n`);
  });

  it('refuses loudly what its table does not know, naming the file to extend', async () => {
    const result = await onPod(`"${settings.volume}/venv/bin/python" -c 'import torch; print(torch.cuda.is_available())'`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not understand: python program "import torch; print(torch.cuda.is_available())"');
    expect(result.stderr).toContain('src/sim/nopython/interpreter.ts');
  });
});
