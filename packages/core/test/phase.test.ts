/**
 * The leader's cadence (issue 25, phase): a leader renews on a phase of its own, `renewPhase + k *
 * retryPeriod` on its monotonic clock, drawn once when it becomes leader. Fed to the pure machine: the
 * renew timer each answer arms must land on that phase and never more than one retry period away.
 */
import { describe, expect, it } from 'vitest';
import { RENEW_PHASE_SLOTS } from '../src/machine/rules.ts';
import { lockAt, Script, TIMING } from './harness.ts';

const RP = TIMING.timing.retryPeriodMs;

/** How far (ms) `t` is past the last point of the leader's phase: 0 on the phase (whole ms at these timings). */
function offPhase(m: Script, t: number): number {
  return (((t - m.context.renewPhase) % RP) + RP) % RP;
}

/**
 * Renews once: fires the renew timer armed last (at `now` plus its delay) and answers the write `latency`
 * later. Returns when it was sent and answered, and the delay the answer armed.
 */
function renewOnce(m: Script, now: number, version: number, latency: number) {
  const sent = now + m.timer('renew')!;
  m.feed(sent, { type: 'TIMER_FIRED', timer: 'renew' });
  const update = m.only('updateLock');
  const answered = sent + latency;
  m.feed(answered, { type: 'LOCK_WRITTEN', snapshot: lockAt(String(version), update.record) });
  expect(m.state).toBe('leader');
  return { sent, answered, delay: m.timer('renew')! };
}

describe('the leader renews on a phase of its own', () => {
  it('in steady state its renewals are exactly one retry period apart, whatever the latency', () => {
    const m = new Script();
    m.lead(0, '1');
    let now = 0;
    const sends: number[] = [];
    for (let k = 0; k < 10; k += 1) {
      const { sent, answered } = renewOnce(m, now, k + 2, 300);
      sends.push(sent);
      now = answered;
    }
    expect(sends.map((t) => offPhase(m, t))).toEqual(sends.map(() => 0));
    // Not one retry period after each answer (that is retryPeriod + latency apart): exactly retryPeriod.
    const gaps = sends.slice(1).map((t, k) => t - sends[k]!);
    expect(gaps).toEqual(gaps.map(() => RP));
  });

  it('after a stall (answers late by up to three periods) it returns to its phase on the next renewal', () => {
    // Lateness swept across three periods in steps prime to the slot grid, so every offset from the phase
    // is met: whatever the stall, the next renewal is on the phase and at most one retry period away.
    for (let late = 0; late <= 3 * RP; late += 37) {
      const m = new Script({ seed: 1 + late });
      m.lead(0, '1');
      const { answered, delay } = renewOnce(m, 0, 2, 20 + late);
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(RP);
      expect(offPhase(m, answered + delay)).toBe(0);
      // And it stays there: the renewal after it answers promptly, and the next goes a whole period after.
      const next = renewOnce(m, answered, 3, 20);
      expect(next.delay).toBe(RP - 20);
      expect(offPhase(m, next.answered + next.delay)).toBe(0);
    }
  });

  it('an answer that lands exactly on the phase waits a whole period, never zero', () => {
    const m = new Script();
    m.lead(0, '1');
    const phase = m.context.renewPhase;
    const { sent } = renewOnce(m, 0, 2, RP); // answered exactly one period after the send: on the phase
    expect(offPhase(m, sent + RP)).toBe(0);
    expect(m.timer('renew')).toBe(RP);
    expect(m.context.renewPhase).toBe(phase);
  });

  it('leaders elected in one burst draw phases spread over the slots of the period', () => {
    const phases = new Set<number>();
    for (let seed = 1; seed <= 400; seed += 1) {
      const m = new Script({ seed });
      m.lead(0, '1');
      phases.add(m.context.renewPhase);
      expect(m.context.renewPhase % (RP / RENEW_PHASE_SLOTS)).toBe(0);
      expect(m.context.renewPhase).toBeLessThan(RP);
    }
    // 400 draws over 40 slots: each slot is missed with probability (39/40)^400, about 4e-5.
    expect(phases.size).toBe(RENEW_PHASE_SLOTS);
  });

  it('a failed renewal is retried one retry period after the failure, not on the phase (rule 7)', () => {
    const m = new Script();
    m.lead(0, '1');
    const sent = m.timer('renew')!;
    m.feed(sent, { type: 'TIMER_FIRED', timer: 'renew' });
    m.feed(sent + 130, { type: 'LOCK_FAILED', error: 'Unavailable' });
    expect(m.timer('renew')).toBe(RP);
  });
});
