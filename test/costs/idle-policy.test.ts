import { describe, expect, it } from 'vitest';
import { evaluateIdle, keep, type IdlePolicy, type IdleState, type Observation } from '../../src/costs/idle-policy.js';

const MIN = 60_000;
const policy: IdlePolicy = { idleMs: 60 * MIN, gpuPercent: 10, graceMs: 15 * MIN, warnMs: 15 * MIN, autostop: 'stop' };
const read = (fingerprint = 'f0', training = false) => ({ kind: 'read' as const, fingerprint, training, lastEvent: null });

/** Runs observations every 5 minutes from minute 5 to `last`, returning each decision. */
function run(last: number, observe: (minute: number) => Partial<Observation>, start: IdleState | null = null, p = policy) {
  let state = start;
  const decisions: { minute: number; kind: string }[] = [];
  for (let minute = 5; minute <= last; minute += 5) {
    const obs: Observation = { at: minute * MIN, running: true, startedAt: 0, gpuUtil: 0, monai: read(), ...observe(minute) };
    const result = evaluateIdle('pod', state, obs, p);
    state = result.state;
    if (result.decision.kind !== 'none') decisions.push({ minute, kind: result.decision.kind });
  }
  return { state, decisions };
}

describe('the idle policy', () => {
  it('waits out the grace period, warns after IDLE_MINUTES, stops after WARN_MINUTES', () => {
    expect(run(120, () => ({})).decisions).toEqual([
      { minute: 75, kind: 'warn' },
      { minute: 90, kind: 'stop' },
      { minute: 95, kind: 'stop' },
      { minute: 100, kind: 'stop' },
      { minute: 105, kind: 'stop' },
      { minute: 110, kind: 'stop' },
      { minute: 115, kind: 'stop' },
      { minute: 120, kind: 'stop' },
    ]);
  });

  it('treats new MONAI Label activity, training and a busy GPU as activity', () => {
    expect(run(300, (minute) => ({ monai: read(`f${minute}`) })).decisions).toEqual([]);
    expect(run(300, () => ({ monai: read('f', true) })).decisions).toEqual([]);
    expect(run(300, () => ({ gpuUtil: 55 })).decisions).toEqual([]);
    expect(run(300, () => ({ gpuUtil: 9 })).decisions[0]).toEqual({ minute: 75, kind: 'warn' });
  });

  it('cancels the countdown on activity and starts counting again', () => {
    const { decisions } = run(200, (minute) => ({ monai: read(minute === 80 ? 'changed' : minute > 80 ? 'changed' : 'f0') }));
    expect(decisions.slice(0, 3)).toEqual([
      { minute: 75, kind: 'warn' },
      { minute: 80, kind: 'cancel' },
      { minute: 140, kind: 'warn' },
    ]);
  });

  it('pauses the clock (and any countdown) while a signal cannot be read, but not for ever', () => {
    const unreadable = { kind: 'unreadable' as const, reason: 'answers, but not about its activity' };
    // Unreadable from minute 30 with a quiet GPU: unknown for IDLE_MINUTES, then counted; never kept for ever.
    expect(run(600, (minute) => (minute >= 30 ? { monai: unreadable } : {})).decisions.slice(0, 2)).toEqual([
      { minute: 135, kind: 'warn' },
      { minute: 150, kind: 'stop' },
    ]);
    // Without RunPod's GPU reading nothing is known, and nothing happens.
    expect(run(600, (minute) => (minute >= 30 ? { gpuUtil: null } : {})).decisions).toEqual([]);
    // Idle 15..75, then unreadable for an hour: the warning comes an hour later than it would have.
    const gap = run(200, (minute) => (minute > 30 && minute <= 90 ? { monai: unreadable } : {}));
    expect(gap.decisions[0]).toEqual({ minute: 135, kind: 'warn' });
  });

  it('counts a MONAI Label that does not answer as idle, and reports it once, then its return', () => {
    const down = { kind: 'down' as const, reason: 'MONAI Label does not answer' };
    let state: IdleState | null = null;
    const events: string[] = [];
    const decisions: string[] = [];
    for (let minute = 5; minute <= 120; minute += 5) {
      const monai = minute >= 30 && minute < 110 ? down : read();
      const result = evaluateIdle('pod', state, { at: minute * MIN, running: true, startedAt: 0, gpuUtil: 0, monai }, policy);
      state = result.state;
      if (result.monai) events.push(`${minute}:${result.monai}`);
      if (result.decision.kind !== 'none') decisions.push(`${minute}:${result.decision.kind}`);
    }
    expect(events).toEqual(['30:down', '110:back']);
    expect(decisions.slice(0, 2)).toEqual(['75:warn', '90:stop']);
    // While the bot itself works on the pod (its one restart), nothing is counted or reported.
    const busy = evaluateIdle('pod', null, { at: 30 * MIN, running: true, startedAt: 0, gpuUtil: 0, monai: down, busy: true }, policy);
    expect(busy.monai).toBeNull();
    expect(busy.activity).toBe('the bot is working on it');
  });

  it('gives no grace to a MONAI Label that has not answered since the pod started, and the grace back once it answers', () => {
    const down = { kind: 'down' as const, reason: 'MONAI Label does not answer' };
    // A failed install or a server that never started: idle from the start, warned after IDLE_MINUTES, not GRACE + IDLE.
    expect(run(80, () => ({ monai: down })).decisions).toEqual([
      { minute: 60, kind: 'warn' },
      { minute: 75, kind: 'stop' },
      { minute: 80, kind: 'stop' },
    ]);
    // Slow to load, then answering: counted from the end of the grace, as for any start.
    expect(run(80, (minute) => ({ monai: minute <= 10 ? down : read() })).decisions).toEqual([{ minute: 75, kind: 'warn' }]);
  });

  it('counts someone asking for the pod to run as activity: the countdown ends and the clock starts again', () => {
    expect(run(150, (minute) => ({ asked: minute === 80 })).decisions).toEqual([
      { minute: 75, kind: 'warn' },
      { minute: 80, kind: 'cancel' },
      { minute: 140, kind: 'warn' },
    ]);
    const result = evaluateIdle('pod', run(30, () => ({})).state, { at: 35 * MIN, running: true, startedAt: 0, gpuUtil: 0, monai: read(), asked: true }, policy);
    expect(result.activity).toBe('someone asked for it to run');
  });

  it('keeps the pod until the time chosen, then counts from there', () => {
    const warned = run(75, () => ({})).state!;
    const kept = keep(warned, 135 * MIN, 'U0BOB');
    expect(kept.warnedAt).toBeNull();
    let state: IdleState | null = kept;
    const decisions: string[] = [];
    for (let minute = 80; minute <= 215; minute += 5) {
      const result = evaluateIdle('pod', state, { at: minute * MIN, running: true, startedAt: 0, gpuUtil: 0, monai: read() }, policy);
      state = result.state;
      if (result.decision.kind !== 'none') decisions.push(`${minute}:${result.decision.kind}`);
    }
    expect(decisions).toEqual(['195:warn', '210:stop', '215:stop']);
    expect(state?.lastKeep).toEqual({ by: 'U0BOB', until: 135 * MIN });
  });

  it('never warns with AUTOSTOP=off and never stops with AUTOSTOP=warn', () => {
    expect(run(300, () => ({}), null, { ...policy, autostop: 'off' }).decisions).toEqual([]);
    expect(run(300, () => ({}), null, { ...policy, autostop: 'warn' }).decisions).toEqual([{ minute: 75, kind: 'warn' }]);
  });

  it('forgets a pod that stopped', () => {
    const { state } = run(30, () => ({}));
    const result = evaluateIdle('pod', state, { at: 35 * MIN, running: false, startedAt: null, gpuUtil: null, monai: { kind: 'none' } }, policy);
    expect(result).toMatchObject({ state: null, decision: { kind: 'gone' } });
  });
});
