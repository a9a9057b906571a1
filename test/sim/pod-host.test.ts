import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BootInfo } from '../../src/runpod/simulator/services.js';
import { FakeOrthanc } from '../../src/sim/orthanc.js';
import { LocalPodHost } from '../../src/sim/pod-host.js';
import { InProcessSshServer } from '../../src/sim/ssh-server.js';

/** ssh2 emits an unparsable ed25519 pair about 1 time in 256 (mscdex/ssh2#1513); skip those. */
function keyPair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'bot@test' });
    const parsed = [ssh2.utils.parseKey(pair.private), ssh2.utils.parseKey(pair.public)];
    if (!parsed.some((key) => key instanceof Error)) return pair;
  }
}

const keys = keyPair();
const PORTS = [
  { port: 8000, protocol: 'http' },
  { port: 22, protocol: 'tcp' },
];

function pod(podId: string, env: Record<string, string> = { PUBLIC_KEY: keys.public }): BootInfo {
  return { podId, env, ports: PORTS, volumeMountPath: '/workspace', gpuName: 'NVIDIA GeForce RTX 4090', driverCuda: '12.8' };
}

async function connect(port: number, privateKey: string, username = 'root'): Promise<{ client: ssh2.Client; hostKey: string }> {
  const client = new ssh2.Client();
  // A refused or dropped client may report more than one error; only the first one decides.
  client.on('error', () => {});
  let hostKey = '';
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port,
      username,
      privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        hostKey = key.toString('base64');
        return true;
      },
    });
  });
  return { client, hostKey };
}

function open(client: ssh2.Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))));
}

interface Result {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

async function run(client: ssh2.Client, command: string, stdin?: string): Promise<Result> {
  const channel = await open(client, command);
  const result: Result = { stdout: '', stderr: '', code: null, signal: null };
  channel.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
  channel.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
  channel.on('exit', (code: number | null, signal?: string) => {
    result.code = code;
    result.signal = signal ?? null;
  });
  channel.end(stdin);
  await new Promise((resolve) => channel.on('close', resolve));
  return result;
}

/** A killed orphan may linger as a zombie where PID 1 does not reap; that counts as dead. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) Z/.test(stat);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('LocalPodHost', () => {
  let rootDir: string;
  let host: LocalPodHost;
  const clients: ssh2.Client[] = [];
  const warnings: string[] = [];

  beforeEach(async () => {
    rootDir = await mkdtemp(path.join(os.tmpdir(), 'pod-host-'));
    host = new LocalPodHost({ rootDir, env: { EXTRA: 'yes' }, logger: { warn: (msg) => warnings.push(msg) } });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.end();
    await host.close();
    await rm(rootDir, { recursive: true, force: true });
  });

  async function login(podId: string): Promise<{ client: ssh2.Client; hostKey: string; monaiPort: number }> {
    const targets = await host.boot(pod(podId));
    const ssh = targets.get(22);
    const monai = targets.get(8000);
    expect(ssh?.host).toBe('127.0.0.1');
    const session = await connect(ssh!.port, keys.private);
    clients.push(session.client);
    return { ...session, monaiPort: monai!.port };
  }

  it('runs exec requests in the pod home with a clean environment and stdin', async () => {
    process.env.POD_HOST_TEST_SECRET = 'leak';
    try {
      const { client, monaiPort } = await login('podexec1');
      const home = path.join(rootDir, 'pods', 'podexec1', 'home');
      const result = await run(client, 'echo $SIMPOD_PORT_8000 $HOME $(pwd); cat', 'hello pod\n');
      expect(result).toEqual({ stdout: `${monaiPort} ${home} ${home}\nhello pod\n`, stderr: '', code: 0, signal: null });

      const env = await run(client, 'echo ${POD_HOST_TEST_SECRET:-none} $EXTRA $PIP_NO_INDEX $LANG; test -f "$SIMPOD_ALIVE_FILE" && echo alive');
      expect(env.stdout).toBe('none yes 1 C.UTF-8\nalive\n');
      expect(host.execCount).toBe(2);
    } finally {
      delete process.env.POD_HOST_TEST_SECRET;
    }
  });

  it('reports a failing command through its exit code and stderr', async () => {
    const { client } = await login('podfail1');
    const result = await run(client, 'echo partial; echo oops >&2; exit 3');
    expect(result).toEqual({ stdout: 'partial\n', stderr: 'oops\n', code: 3, signal: null });
    const killed = await run(client, 'kill -TERM $$');
    expect(killed.signal).toBe('SIGTERM');
  });

  it('accepts only the PUBLIC_KEY key for root', async () => {
    const targets = await host.boot(pod('podauth1'));
    const port = targets.get(22)!.port;
    const stranger = keyPair();
    await expect(connect(port, stranger.private)).rejects.toMatchObject({ level: 'client-authentication' });
    const wrongUser = new ssh2.Client();
    const refused = new Promise((resolve) => wrongUser.once('error', resolve));
    wrongUser.connect({ host: '127.0.0.1', port, username: 'ubuntu', privateKey: keys.private });
    expect(await refused).toMatchObject({ level: 'client-authentication' });
  });

  it('starts no sshd without PUBLIC_KEY', async () => {
    const targets = await host.boot(pod('podnokey1', {}));
    expect(targets.has(22)).toBe(false);
    expect(targets.get(8000)?.port).toBeGreaterThan(0);
  });

  it('regenerates host keys on every boot and recreates the alive file', async () => {
    const alive = path.join(rootDir, 'pods', 'podboot1', 'alive');
    const first = await login('podboot1');
    expect(existsSync(alive)).toBe(true);
    await run(first.client, 'echo kept > state.txt');

    await host.halt('podboot1');
    expect(existsSync(alive)).toBe(false);
    const second = await login('podboot1');
    expect(existsSync(alive)).toBe(true);
    expect(second.hostKey).not.toBe(first.hostKey);
    expect((await run(second.client, 'cat state.txt')).stdout).toBe('kept\n');
  });

  it('halt stops background jobs and drops connections', async () => {
    const { client } = await login('podhalt1');
    const detached = await run(client, 'nohup sleep 100 > /dev/null 2>&1 & echo $!');
    const pid = Number(detached.stdout.trim());
    expect(await isAlive(pid)).toBe(true);

    // A job that keeps stdout open holds the channel open, as with a real sshd.
    const holding = await open(client, 'sleep 100 & echo started');
    await new Promise((resolve) => holding.once('data', resolve));
    const closed = new Promise((resolve) => client.once('close', () => resolve(null)));

    await host.halt('podhalt1');
    await closed;
    // Jobs that left their exec's process group are found through /proc, so only on Linux.
    if (process.platform === 'linux') expect(await eventually(async () => !(await isAlive(pid)))).toBe(true);
    expect(existsSync(path.join(rootDir, 'pods', 'podhalt1', 'home'))).toBe(true);
  });

  it('kills the command when the client closes its channel', async () => {
    const { client } = await login('podhup1');
    const channel = await open(client, 'echo $$; exec sleep 100');
    const pid = Number(await new Promise<string>((resolve) => channel.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    expect(await isAlive(pid)).toBe(true);
    channel.close();
    expect(await eventually(async () => !(await isAlive(pid)))).toBe(true);
  });

  it('destroy removes the pod directory', async () => {
    const { client } = await login('podgone1');
    await run(client, 'touch data.bin');
    await host.destroy('podgone1');
    expect(existsSync(path.join(rootDir, 'pods', 'podgone1'))).toBe(false);
    expect(warnings.filter((msg) => !msg.includes('client error'))).toEqual([]);
  });
});

describe('InProcessSshServer, the tests’ pod where OpenSSH is missing', () => {
  let home: string;
  let server: InProcessSshServer;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'ssh-server-'));
    server = new InProcessSshServer({ authorizedKeys: `# the bot\n${keys.public}\n`, user: 'lab', env: { PATH: process.env.PATH ?? '', HOME: home, SETENV: 'from sshd' }, cwd: home });
    await server.start();
  });

  afterEach(async () => {
    await server.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('lets the one user in with the one key and runs commands with its environment, in its home', async () => {
    const { client } = await connect(server.port, keys.private, 'lab');
    try {
      expect(await run(client, 'echo "$SETENV" "$(pwd)"; cat', 'stdin\n')).toEqual({ stdout: `from sshd ${home}\nstdin\n`, stderr: '', code: 0, signal: null });
    } finally {
      client.end();
    }
    await expect(connect(server.port, keys.private, 'root')).rejects.toMatchObject({ level: 'client-authentication' });
    await expect(connect(server.port, keyPair().private, 'lab')).rejects.toMatchObject({ level: 'client-authentication' });
  });

  it('refuses connections while stopped, and comes back on the same port with a new host key when asked', async () => {
    const port = server.port;
    const before = await connect(port, keys.private, 'lab');
    before.client.end();
    await server.stop();
    await expect(connect(port, keys.private, 'lab')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await server.start();
    const same = await connect(port, keys.private, 'lab');
    same.client.end();
    expect(same.hostKey).toBe(before.hostKey);

    await server.stop();
    await server.newHostKey();
    await server.start();
    const after = await connect(port, keys.private, 'lab');
    after.client.end();
    expect(server.port).toBe(port);
    expect(after.hostKey).not.toBe(before.hostKey);
  });
});

describe('FakeOrthanc', () => {
  let orthanc: FakeOrthanc;

  afterEach(async () => {
    await orthanc.close();
  });

  const uid = (item: Record<string, { Value?: unknown[] }>, tag: string) => item[tag]?.Value?.[0];

  it('lists CT series, honours limit and filters by modality', async () => {
    orthanc = await new FakeOrthanc({ series: 4 }).start();
    const all = await fetch(`${orthanc.url}/series?includefield=all`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('application/dicom+json');
    const series = (await all.json()) as Record<string, { Value?: unknown[] }>[];
    expect(series.map((item) => uid(item, '0020000E'))).toEqual([1, 2, 3, 4].map((n) => `1.2.826.0.1.3680043.8.498.${n}`));
    expect(series.every((item) => uid(item, '00080060') === 'CT' && uid(item, '0020000D') && uid(item, '0008103E'))).toBe(true);

    expect(await (await fetch(`${orthanc.url}/series?limit=2`)).json()).toHaveLength(2);
    expect(await (await fetch(`${orthanc.url}/studies?limit=3&offset=2`)).json()).toHaveLength(2);
    expect(await (await fetch(`${orthanc.url}/series?Modality=MR`)).json()).toEqual([]);
    expect(await (await fetch(`${orthanc.url}/series?Modality=CT`)).json()).toHaveLength(4);
    orthanc.seriesCount = 1;
    expect(await (await fetch(`${orthanc.url}/studies`)).json()).toHaveLength(1);
    expect((await fetch(`${orthanc.url}/instances/1`)).status).toBe(404);
    expect((await fetch(orthanc.url.replace('/dicom-web', '/system'))).status).toBe(200);
  });

  it('requires Basic auth when credentials are configured', async () => {
    orthanc = await new FakeOrthanc({ username: 'orthanc', password: 's3cret' }).start();
    const anonymous = await fetch(`${orthanc.url}/series`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="Orthanc"');
    const wrong = await fetch(`${orthanc.url}/series`, { headers: { Authorization: `Basic ${btoa('orthanc:nope')}` } });
    expect(wrong.status).toBe(401);
    const good = await fetch(`${orthanc.url}/series`, { headers: { Authorization: `Basic ${btoa('orthanc:s3cret')}` } });
    expect(good.status).toBe(200);
    expect(await good.json()).toHaveLength(3);
    expect(orthanc.requests.map((request) => request.authorized)).toEqual([false, false, true]);
    expect(orthanc.requests[0]?.path).toBe('/dicom-web/series');
  });

  it('answers 503 while down', async () => {
    orthanc = await new FakeOrthanc().start();
    expect((await fetch(`${orthanc.url}/series`)).status).toBe(200);
    orthanc.down = true;
    expect((await fetch(`${orthanc.url}/series`)).status).toBe(503);
    orthanc.down = false;
    expect((await fetch(`${orthanc.url}/series`)).status).toBe(200);
  });
});
