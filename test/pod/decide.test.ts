import { describe, expect, it } from 'vitest';
import { decideStart, decideStop } from '../../src/pod/decide.js';
import { apiUrl, pickPod, podEndpoints } from '../../src/pod/endpoints.js';
import type { Pod } from '../../src/runpod/api.js';
import { podFixture } from '../helpers/pods.js';

function pod(fields: Partial<Pod> = {}): Pod {
  return podFixture({
    uptimeSeconds: 10,
    runtime: {
      uptimeSeconds: 10,
      gpus: [],
      ports: [
        { ip: '127.0.0.2', isIpPublic: false, privatePort: 8000, publicPort: 8000, type: 'tcp' },
        { ip: '127.0.0.1', isIpPublic: true, privatePort: 8000, publicPort: 41000, type: 'tcp' },
        { ip: '127.0.0.3', isIpPublic: false, privatePort: 8888, publicPort: 60141, type: 'http' },
        { ip: '127.0.0.1', isIpPublic: true, privatePort: 22, publicPort: 41001, type: 'tcp' },
      ],
    },
    ...fields,
  });
}
const fresh = { deployRequested: false, resumeRequested: false, podId: null };

describe('decideStart', () => {
  it('deploys when there is no pod, and never twice for the same request', () => {
    expect(decideStart(null, fresh)).toEqual({ kind: 'deploy' });
    expect(decideStart(null, { ...fresh, deployRequested: true })).toMatchObject({ kind: 'wait', reason: 'deploy-pending' });
  });

  it('resumes a stopped pod even when its stale runtime lists ports', () => {
    expect(decideStart(pod({ desiredStatus: 'EXITED' }), fresh).kind).toBe('resume');
  });

  it('waits while RUNNING has no runtime or no public mapping for 8000 and 22', () => {
    expect(decideStart(pod({ runtime: null }), fresh)).toMatchObject({ kind: 'wait', reason: 'initializing' });
    const onlyPrivate = pod({ runtime: { uptimeSeconds: 1, gpus: [], ports: [{ ip: '127.0.0.2', isIpPublic: false, privatePort: 8000, publicPort: 8000, type: 'tcp' }] } });
    expect(decideStart(onlyPrivate, fresh)).toMatchObject({ kind: 'wait', reason: 'ports' });
  });

  it('is ready with the public tcp mappings, ignoring private duplicates and http entries', () => {
    const step = decideStart(pod(), fresh);
    expect(step.kind).toBe('ready');
    const endpoints = podEndpoints(pod())!;
    expect(apiUrl(endpoints.api)).toBe('http://127.0.0.1:41000');
    expect(endpoints.ssh).toEqual({ host: '127.0.0.1', port: 41001 });
  });
});

describe('decideStop', () => {
  it('stops a running pod, waits after asking, and is done only when EXITED', () => {
    expect(decideStop(null, false)).toEqual({ kind: 'absent' });
    expect(decideStop(pod(), false).kind).toBe('stop');
    expect(decideStop(pod(), true).kind).toBe('wait');
    expect(decideStop(pod({ desiredStatus: 'EXITED' }), true).kind).toBe('stopped');
  });
});

describe('pickPod', () => {
  it('prefers the pod the bot knows, then a running one', () => {
    const a = pod({ id: 'a', desiredStatus: 'EXITED' });
    const b = pod({ id: 'b' });
    const other = pod({ id: 'c', name: 'someone-else' });
    expect(pickPod([a, b, other], 'monai-label', 'a')?.id).toBe('a');
    expect(pickPod([a, b, other], 'monai-label', null)?.id).toBe('b');
    expect(pickPod([other], 'monai-label', null)).toBeNull();
  });
});
