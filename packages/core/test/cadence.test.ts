/**
 * Rule 7 (request cadence under failure) and rule 8 (duplicate identities), fed to the pure machine.
 * Every step's effects are compared whole, so an unexpected extra request fails the test.
 */
import { describe, expect, it } from 'vitest';
import { backoffCapMs } from '../src/internal.ts';
import { lockAt, record, Script, TIMING } from './harness.ts';

const { timing } = TIMING;
const RP = timing.retryPeriodMs;
const JITTER = 1 + timing.jitterFactor;

/** Drives a follower whose every request fails at once (a refused connection), `n` times. */
function failInstantly(m: Script, from: number, n: number): number[] {
  const waits: number[] = [];
  let t = from;
  for (let k = 0; k < n; k += 1) {
    const effects = m.feed(t, { type: 'LOCK_FAILED', error: 'Unavailable' });
    expect(effects).toHaveLength(1);
    const wait = m.timer('retry')!;
    waits.push(wait);
    t += wait;
    expect(m.feed(t, { type: 'TIMER_FIRED', timer: 'retry' })).toEqual([
      { type: 'cancelTimer', timer: 'retry' },
      { type: 'readLock' },
    ]);
  }
  return waits;
}

describe('rule 7: cadence under failure', () => {
  it('a follower whose lease expired does not retry an instantly failing read at once', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) }); // expires at 15 000
    m.feed(20_000, { type: 'TIMER_FIRED', timer: 'retry' });
    // The old rule retried at max(0, expiry - now) = 0 ms: hundreds of requests a second.
    const waits = failInstantly(m, 20_000, 1);
    expect(waits[0]).toBeGreaterThanOrEqual(RP);
  });

  it('doubles the wait with each failure in a row, capped so it still tries at least once a lease', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    const waits = failInstantly(m, 0, 8);
    const cap = backoffCapMs(timing);
    expect(cap).toBe(Math.max(RP, timing.leaseDurationMs / JITTER));
    waits.forEach((wait, k) => {
      const base = Math.min(RP * 2 ** k, cap);
      expect(wait).toBeGreaterThanOrEqual(base);
      expect(wait).toBeLessThan(base * JITTER);
      expect(wait).toBeLessThanOrEqual(Math.max(timing.leaseDurationMs, RP * JITTER));
    });
    expect(m.context.failures).toBe(8);
  });

  it('an answer ends the run of failures: the next failure waits one retry period again', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    let t = failInstantly(m, 0, 4).reduce((a, b) => a + b, 0);
    m.feed(t, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) });
    expect(m.context.failures).toBe(0);
    expect(m.context.notBefore).toBe(0);
    t += m.timer('retry')!;
    m.feed(t, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(t, { type: 'LOCK_FAILED', error: 'Unavailable' });
    expect(m.timer('retry')).toBeLessThan(RP * JITTER);
  });

  it('a lost compare-and-swap is an answer, not a failure: no back-off', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('5', record('')) });
    m.feed(5, { type: 'LOCK_FAILED', error: 'Conflict' });
    expect(m.context.failures).toBe(0);
    const wait = m.timer('retry')!;
    expect(wait).toBeGreaterThanOrEqual(RP);
    expect(wait).toBeLessThan(RP * JITTER);
  });

  it('honours Retry-After, up to the longest back-off', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(1, { type: 'LOCK_FAILED', error: 'Unavailable', retryAfterMs: 9_000 });
    expect(m.timer('retry')).toBe(9_000);
    m.feed(9_001, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(9_002, { type: 'LOCK_FAILED', error: 'Unavailable', retryAfterMs: 3_600_000 });
    expect(m.timer('retry')).toBe(backoffCapMs(timing) * JITTER);
  });

  it('a lost watch after a failure does not bring the next request forward', () => {
    const m = new Script();
    m.feed(0, { type: 'WATCH_HEALTH', live: true });
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('1', record('b')) }); // expires at 15 000
    m.feed(15_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(15_000, { type: 'LOCK_FAILED', error: 'Unavailable' });
    const floor = m.context.notBefore;
    expect(floor).toBeGreaterThanOrEqual(15_000 + RP);
    // The API server went away: the watch breaks a moment after the failure.
    m.feed(15_010, { type: 'WATCH_HEALTH', live: false });
    expect(15_010 + m.timer('retry')!).toBeGreaterThanOrEqual(floor);
  });

  it('a leader whose renewals fail at once retries once per retry period until its deadline, then steps down', () => {
    const m = new Script();
    m.lead(0, '1');
    let t = 0;
    let requests = 0;
    while (m.state === 'leader') {
      t += m.timer('renew') ?? 0;
      const effects = m.feed(t, { type: 'TIMER_FIRED', timer: 'renew' });
      if (m.state !== 'leader') break;
      expect(effects.filter((e) => e.type === 'updateLock')).toHaveLength(1);
      requests += 1;
      m.feed(t, { type: 'LOCK_FAILED', error: 'Unavailable' });
      expect(m.timer('renew')).toBe(RP);
    }
    // The first renewal goes on the leader's phase (`first`, within a retry period), the failed ones every
    // retry period after it; the one due at or after the deadline (10 s) finds it passed.
    const first = m.context.renewPhase > 0 ? m.context.renewPhase : RP;
    expect(requests).toBe(Math.ceil((timing.renewDeadlineMs - first) / RP));
    expect(t).toBe(first + requests * RP);
    expect(m.effects).toContainEqual({ type: 'notify', event: 'stoppedLeading', reason: 'lost' });
    // The step-down schedules the next attempt no sooner than a retry period after the last failure.
    expect(m.timer('retry')!).toBeGreaterThanOrEqual(RP);
  });
});

describe('a deadline timer that fires early', () => {
  it('is set again for the rest; it never sends a renewal', () => {
    const m = new Script();
    m.lead(0, '1'); // deadline at 10 000
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(2_001, { type: 'LOCK_FAILED', error: 'Unavailable' });
    // The host's timer fires 0.4 ms before the monotonic clock reaches the deadline.
    expect(m.feed(9_999.6, { type: 'TIMER_FIRED', timer: 'deadline' })).toEqual([
      { type: 'startTimer', timer: 'deadline', ms: 10_000 - 9_999.6 },
    ]);
    expect(m.state).toBe('leader');
    m.feed(10_000, { type: 'TIMER_FIRED', timer: 'deadline' });
    expect(m.state).toBe('follower');
    expect(m.effects.some((e) => e.type === 'updateLock' || e.type === 'readLock')).toBe(false);
  });
});

describe('rule 8: duplicate identities', () => {
  it('a leader notified of a renewal under its identity that it did not write steps down and reports it', () => {
    const m = new Script();
    const mine = m.lead(0, '1');
    const twin = lockAt('2', { ...mine.record, renewTime: new Date(mine.record.renewTime!.getTime() + 777) });
    m.feed(1_000, { type: 'LOCK_CHANGED', snapshot: twin });
    expect(m.state).toBe('follower');
    expect(m.effects).toContainEqual({ type: 'report', problem: 'DuplicateIdentity', version: '2' });
    expect(m.effects).toContainEqual({ type: 'notify', event: 'stoppedLeading', reason: 'lost' });
    expect(m.context.twins.duplicate).toBe(true);
  });

  it('then waits out the twin like any holder instead of taking the lock back at once', () => {
    const m = new Script();
    const mine = m.lead(0, '1');
    const twin = lockAt('2', { ...mine.record, renewTime: new Date(mine.record.renewTime!.getTime() + 777) });
    m.feed(1_000, { type: 'LOCK_CHANGED', snapshot: twin });
    const t = 1_000 + m.timer('retry')!;
    m.feed(t, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(t, { type: 'LOCK_READ', snapshot: twin });
    expect(m.effects.some((e) => e.type === 'updateLock')).toBe(false);
    // A full lease after it saw the twin's last write, it may take over (the twin is gone).
    m.feed(16_000, { type: 'TIMER_FIRED', timer: 'retry' });
    m.feed(16_000, { type: 'LOCK_READ', snapshot: twin });
    expect(m.only('updateLock').expectedVersion).toBe('2');
  });

  it('after a conflict, a read showing its identity with a renewTime it never wrote is a twin', () => {
    const m = new Script();
    const mine = m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(2_010, { type: 'LOCK_FAILED', error: 'Conflict' });
    const twin = lockAt('3', {
      ...mine.record,
      renewTime: new Date(mine.record.renewTime!.getTime() + 1_500),
    });
    m.feed(2_020, { type: 'LOCK_READ', snapshot: twin });
    expect(m.state).toBe('follower');
    expect(m.effects).toContainEqual({ type: 'report', problem: 'DuplicateIdentity', version: '3' });
  });

  it('its own write whose answer was lost is not a twin', () => {
    const m = new Script();
    m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    const lost = m.only('updateLock').record; // applied by the store, but the answer never came
    m.feed(3_000, { type: 'LOCK_FAILED', error: 'Unavailable' });
    m.feed(4_000, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(4_010, { type: 'LOCK_FAILED', error: 'Conflict' }); // the version moved: by its own lost write
    m.feed(4_020, { type: 'LOCK_READ', snapshot: lockAt('2', lost) });
    expect(m.state).toBe('leader');
    expect(m.effects.some((e) => e.type === 'report')).toBe(false);
    expect(m.only('updateLock').expectedVersion).toBe('2');
  });

  it('a record stored with whole seconds (ConfigMap) still matches its own write', () => {
    const m = new Script();
    m.lead(0, '1');
    m.feed(2_000, { type: 'TIMER_FIRED', timer: 'renew' });
    const sent = m.only('updateLock').record;
    const stored = { ...sent, renewTime: new Date(Math.floor(sent.renewTime!.getTime() / 1000) * 1000) };
    // The watch reports the renewal before its answer arrives.
    m.feed(2_005, { type: 'LOCK_CHANGED', snapshot: lockAt('2', stored) });
    expect(m.state).toBe('leader');
    m.feed(2_010, { type: 'LOCK_WRITTEN', snapshot: lockAt('2', stored) });
    expect(m.state).toBe('leader');
  });

  it('a new version of its own record (someone edited a label) is not a twin', () => {
    const m = new Script();
    const mine = m.lead(0, '1');
    m.feed(500, { type: 'LOCK_CHANGED', snapshot: lockAt('2', mine.record) });
    expect(m.state).toBe('leader');
    expect(m.effects.some((e) => e.type === 'report')).toBe(false);
  });

  it('a follower starting on a record that names it retakes it at once (a restarted process)', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('7', record('a')) });
    expect(m.only('updateLock').expectedVersion).toBe('7');
    expect(m.effects.some((e) => e.type === 'report')).toBe(false);
  });
});
