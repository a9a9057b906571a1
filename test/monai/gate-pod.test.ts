import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GATE_LOG_HEADING } from '../../src/monai/setup-script.js';
import { RecordingSurface, runCommand, textOf } from '../helpers/harness.js';
import { ORTHANC_PASSWORD, startRealPod, type RealPod } from '../helpers/real-pod.js';

let pod: RealPod | undefined;
afterEach(async () => {
  await pod?.close();
  pod = undefined;
});

/** The URL the ready message told people to paste into 3D Slicer. */
function postedUrl(surface: RecordingSurface): string {
  const text = textOf(surface.posts.at(-1)!.versions.at(-1)!);
  const match = /Paste into 3D Slicer:\* `(http:\/\/[^`]+)`/.exec(text);
  if (!match) throw new Error(`no URL in: ${text}`);
  return match[1]!;
}

const rootOf = (url: string) => new URL(url).origin;

describe('the secret URL in front of MONAI Label, on a real sshd and venv', () => {
  it('admits only the secret URL; through it 3D Slicer’s calls work, model upload is refused', async () => {
    pod = await startRealPod();
    await pod.faults({ imageBytes: 52 * 1024 * 1024 });
    const surface = (await runCommand(pod.harness, 'start')).surface;
    const url = postedUrl(surface);
    const root = rootOf(url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);

    // Without the token: nothing of MONAI Label, nothing of Orthanc.
    const orthancBefore = pod.orthanc.requests.length;
    for (const path of ['/', '/info/', '/openapi.json', '/proxy/dicom/qido/studies', '/proxy/dicom/wado/studies']) {
      const response = await fetch(`${root}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toBe('');
    }
    const weights = join(pod.volume, 'venv', 'radiology', 'model', 'pretrained_deepgrow_2d.pt');
    const original = readFileSync(weights);
    expect((await fetch(`${root}/model/deepgrow_2d`, { method: 'PUT', body: 'pickled payload' })).status).toBe(404);
    expect(pod.orthanc.requests.length).toBe(orthancBefore);

    // With it: what Slicer does.
    const info = (await (await fetch(`${url}info/`)).json()) as { models: object };
    expect(Object.keys(info.models)).toContain('deepgrow_3d');
    const sample = (await (await fetch(`${url}activelearning/random`, { method: 'POST', body: '{}' })).json()) as { id: string };
    const image = await fetch(`${url}datastore/image?image=${encodeURIComponent(sample.id)}`);
    let received = 0;
    for await (const chunk of image.body!) received += (chunk as Uint8Array).length;
    expect(received).toBe(52 * 1024 * 1024);
    expect((await fetch(`${url}infer/deepgrow_2d?image=${encodeURIComponent(sample.id)}`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${url}datastore/label?image=${encodeURIComponent(sample.id)}&tag=final`, { method: 'PUT', body: Buffer.alloc(2 * 1024 * 1024, 7) })).status).toBe(200);
    expect(pod.events().filter((event) => event.event === 'label')).toHaveLength(1);

    // Model upload with the token: refused, the weights unchanged.
    const put = await fetch(`${url}model/deepgrow_2d`, { method: 'PUT', body: 'pickled payload' });
    expect(put.status).toBe(403);
    expect(readFileSync(weights)).toEqual(original);
    // The DICOMweb proxy is blocked by default even with the token.
    expect((await fetch(`${url}proxy/dicom/qido/studies`)).status).toBe(403);
    expect(pod.orthanc.requests.slice(orthancBefore).filter((request) => request.path.includes('/studies'))).toEqual([]);

    // /monai logs shows the gate's lines after MONAI Label's; the secret is in neither.
    const logs = await runCommand(pod.harness, 'logs 20');
    expect(logs.text).toContain(GATE_LOG_HEADING);
    expect(logs.text).toMatch(/listening on 0\.0\.0\.0:8000, forwarding the secret path to 127\.0\.0\.1:8001; blocked: PUT \/model\/, DELETE \/model\/, \/proxy\/, \/ohif\/, \/batch\//);
    expect(logs.text).not.toContain(new URL(url).pathname.slice(1, -1));
  }, 180_000);

  it('keeps the token across a stop and start (a new port), and /monai new-url makes the old URL 404 at once', async () => {
    pod = await startRealPod({ env: { ADMIN_USER_IDS: 'U0ADMIN' } });
    const first = postedUrl((await runCommand(pod.harness, 'start')).surface);
    await runCommand(pod.harness, 'stop');
    const second = postedUrl((await runCommand(pod.harness, 'start')).surface);
    expect(rootOf(second)).not.toBe(rootOf(first));
    expect(new URL(second).pathname).toBe(new URL(first).pathname);
    expect((await fetch(`${second}info/`)).status).toBe(200);

    const refused = await runCommand(pod.harness, 'new-url confirmed', undefined, { user: 'U0ALICE', origin: 'button' });
    expect(refused.text).toContain('Only the bot’s admins can run `/monai new-url`');
    const prompt = await runCommand(pod.harness, 'new-url', undefined, { user: 'U0ADMIN' });
    const podId = pod.harness.sim.podByName('monai-label')!.id;
    expect(prompt.text).toContain(`[Make a new URL…] → type: /monai new-url pod=${podId} confirmed`);
    expect((await fetch(`${second}info/`)).status).toBe(200);

    const surface = new RecordingSurface();
    await runCommand(pod.harness, `new-url pod=${podId} confirmed`, surface, { user: 'U0ADMIN', origin: 'button' });
    expect(surface.texts()[0]).toContain('<@U0ADMIN> replaced the URL for 3D Slicer of *monai-label*');
    const third = postedUrl(surface);
    expect(rootOf(third)).toBe(rootOf(second));
    expect(third).not.toBe(second);
    const old = await fetch(`${second}info/`);
    expect(old.status).toBe(404);
    expect(await old.text()).toBe('');
    expect((await fetch(`${third}info/`)).status).toBe(200);
    // MONAI Label itself kept running: only the gate was restarted.
    expect(pod.events().filter((event) => event.event === 'start_server')).toHaveLength(2);
    expect(pod.harness.logs()).not.toContain(new URL(third).pathname.slice(1, -1));
  }, 180_000);

  it('with nothing blocked, the stand-in’s DICOMweb proxy reaches Orthanc with the lab’s credentials: what the default blocks', async () => {
    pod = await startRealPod({ env: { MONAI_BLOCKED_ROUTES: 'POST /batch/' } });
    const url = postedUrl((await runCommand(pod.harness, 'start')).surface);
    const before = pod.orthanc.requests.length;
    const studies = await fetch(`${url}proxy/dicom/qido/series?Modality=CT`);
    expect(studies.status).toBe(200);
    expect(((await studies.json()) as unknown[]).length).toBe(7);
    expect(pod.orthanc.requests.slice(before)).toContainEqual({ path: '/dicom-web/series?Modality=CT', authorized: true });
    expect(JSON.stringify(pod.harness.logs())).not.toContain(ORTHANC_PASSWORD);
  }, 180_000);
});
