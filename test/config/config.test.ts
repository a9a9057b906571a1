import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { VARIABLES } from '../../src/config/variables.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('configuration', () => {
  it('starts the console with every default when nothing is set', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('console');
    expect(config.pod).toMatchObject({
      name: 'monai-label',
      cloudType: 'COMMUNITY',
      countryCode: 'US',
      containerDiskGb: 10,
      volumeGb: 30,
      volumeMountPath: '/workspace',
    });
    expect(config.pod.gpuTypes[0]).toBe('NVIDIA GeForce RTX 4090');
    expect(config.slack).toBeUndefined();
    expect(Object.isFrozen(config.pod)).toBe(true);
  });

  it('selects Socket Mode when the app token is set, HTTP mode otherwise', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', RUNPOD_API_KEY: 'rpa_0123456789abcdef', DICOMWEB_URL: 'http://pacs:8042/dicom-web' };
    expect(loadConfig({ ...base, SLACK_APP_TOKEN: 'xapp-1-A1-abc' }).mode).toBe('socket');
    expect(loadConfig({ ...base, SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef' }).mode).toBe('http');
  });

  it('names each bad variable and what it expects, all at once, without echoing secrets', () => {
    const found = problems({
      SLACK_BOT_TOKEN: 'xoxp-user-token-oops',
      PORT: 'eighty',
      GPU_TYPES: 'RTX 4090',
      CLOUD_TYPE: 'cheap',
      VOLUME_MOUNT_PATH: 'workspace; rm -rf /',
    });
    expect(found).toEqual([
      'SLACK_BOT_TOKEN: that is a user token (xoxp-…); the bot needs the app’s bot token (xoxb-…)',
      'SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      'RUNPOD_API_KEY: required when Slack is configured (the simulator serves only the local console)',
      'PORT: expected a whole number from 1 to 65535 (got "eighty")',
      'GPU_TYPES: “RTX 4090” is not a RunPod GPU type id — did you mean “NVIDIA GeForce RTX 4090” (RTX 4090)?',
      'CLOUD_TYPE: expected COMMUNITY, SECURE or ALL (got "cheap")',
      'VOLUME_MOUNT_PATH: expected an absolute path of letters, digits, dots, dashes, underscores and slashes (got "workspace; rm -rf /")',
    ]);
    expect(found.join('\n')).not.toContain('xoxp-user-token-oops');
  });

  it('sends RunPod the CUDA version of the image’s tag, or MIN_CUDA_VERSION; an image whose tag names none must set it', () => {
    expect(loadConfig({}).pod.minCudaVersion).toBe('12.4');
    expect(loadConfig({ IMAGE_NAME: 'runpod/pytorch:1.0.2-cu1281-torch271-ubuntu2404' }).pod.minCudaVersion).toBe('12.8');
    expect(loadConfig({ IMAGE_NAME: 'lab/monai:2', MIN_CUDA_VERSION: '12.1' }).pod.minCudaVersion).toBe('12.1');
    try {
      loadConfig({ IMAGE_NAME: 'lab/monai:2' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues).toEqual([
        {
          variable: 'MIN_CUDA_VERSION',
          message: 'MIN_CUDA_VERSION: IMAGE_NAME (lab/monai:2) does not name its CUDA version in its tag, so the bot cannot tell RunPod which hosts’ drivers can run its PyTorch',
          fix: 'set MIN_CUDA_VERSION to the CUDA version the image’s PyTorch was built for (e.g. 12.4), or use an image whose tag names it (…-cuda12.4.1-…).',
        },
      ]);
    }
  });

  it('needs the DICOMweb server with a RunPod key, and both credentials or neither', () => {
    expect(problems({ RUNPOD_API_KEY: 'rpa_0123456789abcdef' })).toEqual([
      'DICOMWEB_URL: required with a RunPod key: MONAI Label reads the studies from it',
    ]);
    expect(problems({ DICOMWEB_USERNAME: 'orthanc' })).toEqual([
      'DICOMWEB_PASSWORD: required when the other DICOMweb credential is set (MONAI Label uses both or neither)',
    ]);
    expect(problems({ DICOMWEB_PASSWORD: 'a\nb', DICOMWEB_USERNAME: 'x' })).toEqual([
      'DICOMWEB_PASSWORD: expected one line of printable characters (DICOMweb password)',
    ]);
    expect(problems({ MONAI_MODELS: 'deepgrow_4d' })[0]).toMatch(/^MONAI_MODELS: expected a preset \(deepgrow, deepedit, segmentation\), all, or models from: deepedit/);
    expect(loadConfig({ MONAI_MODELS: 'deepedit' }).monai.models).toEqual(['deepedit']);
  });

  it('checks the cost guard’s schedule, time zone and quiet hours', () => {
    expect(problems({ DIGEST_CRON: 'every night', DIGEST_TZ: 'Mars/Olympus', QUIET_HOURS: '10pm-7am', AUTOSTOP: 'maybe' })).toEqual([
      'AUTOSTOP: expected off, warn or stop (got "maybe")',
      'QUIET_HOURS: expected HH:MM-HH:MM (e.g. 22:00-07:00) or off (got "10pm-7am")',
      'DIGEST_CRON: expected a cron expression such as 0 19 * * * (got "every night")',
      'DIGEST_TZ: expected an IANA time zone such as America/New_York (got "Mars/Olympus")',
    ]);
    const config = loadConfig({ DIGEST_TZ: 'Europe/Berlin', QUIET_HOURS: 'off', IDLE_MINUTES: '90' });
    expect(config.costs).toMatchObject({ timeZone: 'Europe/Berlin', quietHours: null, idleMs: 90 * 60_000, autostop: 'stop', digestCron: '0 19 * * *' });
  });

  it('rejects numbers out of range', () => {
    expect(problems({ VOLUME_GB: '5' })).toEqual(['VOLUME_GB: expected at least 10 (got "5")']);
    expect(problems({ CONTAINER_DISK_GB: '4.5' })).toEqual(['CONTAINER_DISK_GB: expected a whole number from 5 to 500 (got "4.5")']);
  });

  it('uses REST v2 by default, GraphQL when asked, and reads the balance from GraphQL beside the v2 base', () => {
    expect(loadConfig({}).runpod).toMatchObject({ api: 'v2', apiUrl: 'https://api.runpod.io/v2', graphqlUrl: 'https://api.runpod.io/graphql' });
    expect(loadConfig({ RUNPOD_API: 'graphql' }).runpod).toMatchObject({ api: 'graphql', apiUrl: 'https://api.runpod.io/graphql', graphqlUrl: 'https://api.runpod.io/graphql' });
    expect(loadConfig({ RUNPOD_API_URL: 'http://127.0.0.1:4000/runpod/v2/' }).runpod.graphqlUrl).toBe('http://127.0.0.1:4000/runpod/graphql');
    expect(problems({ RUNPOD_API: 'rest' })).toEqual(['RUNPOD_API: expected v2 or graphql (got "rest")']);
  });

  it('.env.example lists every variable with its default and a comment', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const lines = example.split('\n');
    for (const spec of Object.values(VARIABLES)) {
      const index = lines.findIndex((line) => line.startsWith(`${spec.name}=`));
      expect(index, `${spec.name} missing from .env.example`).toBeGreaterThan(0);
      expect(lines[index], `${spec.name} default`).toBe(`${spec.name}=${'default' in spec ? spec.default ?? '' : ''}`);
      expect(lines[index - 1], `${spec.name} comment`).toBe(`# ${spec.doc}`);
    }
    const declared = lines.filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line)).map((line) => line.split('=')[0]);
    expect(declared.sort()).toEqual(Object.keys(VARIABLES).sort());
  });
});
