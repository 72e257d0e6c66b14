/**
 * Timings from goals: defaults, presets, and `deriveTimings` checked against docs/guarantees.md's
 * inequalities, written out here on their own (not through `timingGuarantees`), and the downtime a leader
 * rides out replayed attempt by attempt.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_PAUSE_GOAL,
  DEFAULT_TIMINGS,
  deriveTimings,
  ElectionConfig,
  MAX_LEASE_SECONDS,
  MAX_RENEWAL_ATTEMPTS,
  MIN_RENEWAL_ATTEMPTS,
  type TimingGoals,
  type Timings,
  timingGuarantees,
  timingPresets,
} from '../src/index.ts';
import { stubLock } from './stub-lock.ts';

const lock = stubLock('pod-a');
const callbacks = { lock, onStartedLeading: () => {}, onStoppedLeading: () => {} };

/**
 * Replays a leader through an outage of `downtime` seconds starting at `start` (its last renewal was sent,
 * and answered, at 0): it renews one retry period after the last answer; a request sent during the outage
 * fails at once (`hung` false) or after the request timeout; it loses leadership at renewDeadline unless a
 * request sent after the outage (and before the deadline) succeeds. Rule 3 and rule 7 of docs/guide.md.
 */
function ridesOut(t: Required<Timings>, start: number, downtime: number, hung: boolean): boolean {
  let at = t.retryPeriod;
  while (at < t.renewDeadline) {
    const down = at >= start && at < start + downtime;
    if (!down) return true;
    at += (hung ? t.requestTimeout : 0) + t.retryPeriod;
  }
  return false;
}

/** The outage starts that are worst for a leader: just before each renewal attempt, and a few between. */
function starts(t: Required<Timings>): number[] {
  const out: number[] = [0.0005];
  for (let at = t.retryPeriod; at < t.renewDeadline; at += t.retryPeriod) out.push(at - 0.0005, at + 0.0005);
  return out;
}

/** Every bound of docs/guarantees.md the goals ask for, checked on its own formula. */
function expectMeets(t: Required<Timings>, goals: TimingGoals): void {
  const d = goals.clockRate ?? 0;
  const pause = goals.pause ?? DEFAULT_PAUSE_GOAL;
  const L = t.leaseDuration;
  const D = t.renewDeadline;
  const R = t.retryPeriod;
  // A1 / rule 2, as ElectionConfig checks them (it throws otherwise).
  const config = new ElectionConfig({ ...callbacks, ...t });
  expect(config.requestTimeout).toBe(t.requestTimeout);
  expect(L).toBeLessThanOrEqual(MAX_LEASE_SECONDS);
  // A2: (1 + d) / (1 - d) < L / D.
  expect((1 + d) / (1 - d)).toBeLessThan(L / D);
  // A3: a pause P is safe while P < L / (1 + d) - D / (1 - d).
  expect(L / (1 + d) - D / (1 - d)).toBeGreaterThan(pause);
  // Crash failover: a polling follower sees the last renewal up to 2.2 R late, then waits the lease as the
  // record stores it (whole seconds), on a clock running at 1 - d.
  expect((Math.ceil(L) + 2.2 * R) / (1 - d)).toBeLessThanOrEqual(goals.failover + 1e-9);
  // Downtime: every outage of the goal's length, refused or hung, wherever it starts, is ridden out.
  for (const start of starts(t)) {
    expect(ridesOut(t, start, goals.downtime, false), `refused from ${start}`).toBe(true);
    expect(ridesOut(t, start, goals.downtime, true), `hung from ${start}`).toBe(true);
  }
}

describe('defaults and presets', () => {
  it("an ElectionConfig without durations gets client-go's 15/10/2, each omitted one on its own", () => {
    const none = new ElectionConfig(callbacks);
    expect([none.leaseDuration, none.renewDeadline, none.retryPeriod]).toEqual([15, 10, 2]);
    expect(DEFAULT_TIMINGS).toEqual({ leaseDuration: 15, renewDeadline: 10, retryPeriod: 2 });
    const longer = new ElectionConfig({ ...callbacks, leaseDuration: 60 });
    expect([longer.leaseDuration, longer.renewDeadline, longer.retryPeriod]).toEqual([60, 10, 2]);
    // A default still meets rule 2: a lease shorter than the default deadline is refused, naming the rule.
    expect(() => new ElectionConfig({ ...callbacks, leaseDuration: 8 })).toThrow(
      /leaseDuration > renewDeadline/,
    );
  });

  it('every preset passes ElectionConfig, and states what it guarantees', () => {
    for (const preset of Object.values(timingPresets)) new ElectionConfig({ ...callbacks, ...preset });
    const clientGo = timingGuarantees(timingPresets.default);
    // Renewals at 2, 4, 6 and 8 s after the last success, before the deadline at 10 s.
    expect(clientGo.renewalAttempts).toBe(4);
    expect(clientGo.downtimeRefused).toBe(6);
    expect(clientGo.renewalsPerMinute).toBe(30);
    expect(clientGo.clockRateLimit).toBeCloseTo(0.2, 12);
  });

  it("reproduces OpenShift's published figures for its own timings: 4 renewals, 78 s of downtime", () => {
    // library-go's leader-election defaulting: 137/107/26 s give floor(107 / 26) = 4 retries and tolerate
    // (4 - 1) * 26 = 78 s of kube-apiserver downtime.
    const g = timingGuarantees(timingPresets.outageTolerant);
    expect(g.renewalAttempts).toBe(4);
    expect(g.downtimeRefused).toBe(78);
    // Hung requests cost the default request timeout (107 / 2 s): the second attempt, at 26 + 53.5 + 26 s,
    // still comes before the deadline.
    expect(g.downtimeHung).toBe(79.5);
    // Its worst non-graceful acquisition, by its count (L + R; ours, crashFailover, adds the poll's jitter).
    const { leaseDuration, retryPeriod } = timingPresets.outageTolerant;
    expect(leaseDuration + retryPeriod).toBe(163);
    expect(g.crashFailover).toBeCloseTo(137 + 2.2 * 26, 9);
  });
});

describe('deriveTimings', () => {
  it("reproduces OpenShift's durations from OpenShift's goals, within rounding", () => {
    // OpenShift's stated goals: ride out 78 s of API-server downtime with 4 renewal attempts, and allow
    // "30 s of clock skew" over the 107 s deadline, a clock-rate ratio of 137 / 107 = 1.28: a rate error
    // of about 12% each way. It states no pause allowance on top, and no failover target (its worst is
    // 163 s by client-go's count, L + R; ours also counts the jittered poll: 2.2 R).
    const goals = { downtime: 78, renewals: 4, clockRate: 0.12, pause: 0, failover: 240 };
    const derived = deriveTimings(goals);
    expect(derived.leaseDuration).toBe(137);
    expect(Math.abs(derived.renewDeadline - 107)).toBeLessThanOrEqual(0.5);
    expect(derived.retryPeriod).toBe(26);
    expectMeets(derived, goals);
  });

  it('derives timings that pass ElectionConfig and meet every goal, over many goal combinations', () => {
    let derived = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record({
          downtime: fc.double({ min: 0.05, max: 900, noNaN: true }),
          failover: fc.double({ min: 0.5, max: 5000, noNaN: true }),
          clockRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          pause: fc.double({ min: 0, max: 20, noNaN: true }),
        }),
        (goals) => {
          let timings: Required<Timings>;
          try {
            timings = deriveTimings(goals);
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            const rule = (err as ConfigError).rule;
            expect(['goal: failover', 'goal: downtime']).toContain(rule);
            if (rule === 'goal: failover') {
              // Out of reach indeed: with every count of renewal attempts, the failover is slower.
              // (A count that cannot meet the other goals either is refused on its own.)
              for (let renewals = MIN_RENEWAL_ATTEMPTS; renewals <= MAX_RENEWAL_ATTEMPTS; renewals++) {
                let t: Required<Timings>;
                try {
                  t = deriveTimings({ ...goals, failover: 1e9, renewals });
                } catch (other) {
                  expect(other).toBeInstanceOf(ConfigError);
                  continue;
                }
                const failover = (Math.ceil(t.leaseDuration) + 2.2 * t.retryPeriod) / (1 - goals.clockRate);
                expect(failover).toBeGreaterThan(goals.failover);
              }
            }
            refused += 1;
            return;
          }
          expectMeets(timings, goals);
          derived += 1;
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
    console.log(`deriveTimings: ${derived} goal sets derived, ${refused} refused`);
    expect(derived).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });

  it('tries 3 to 30 renewal attempts, and tolerates a 1 s pause unless told (docs/guide.md)', () => {
    expect([MIN_RENEWAL_ATTEMPTS, MAX_RENEWAL_ATTEMPTS, DEFAULT_PAUSE_GOAL]).toEqual([3, 30, 1]);
  });

  it('takes the fewest renewal attempts that meet the failover goal (the fewest requests)', () => {
    const goals = { downtime: 60, failover: 140, clockRate: 0.05 };
    const t = deriveTimings(goals);
    expectMeets(t, goals);
    const fewer = deriveTimings({ ...goals, failover: 1e9, renewals: Math.round(60 / t.retryPeriod) });
    expect((Math.ceil(fewer.leaseDuration) + 2.2 * fewer.retryPeriod) / 0.95).toBeGreaterThan(140);
  });

  it('refuses impossible goals with a ConfigError naming the goal to relax', () => {
    const rule = (goals: TimingGoals) => {
      try {
        deriveTimings(goals);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).rule;
      }
      return 'derived';
    };
    // A failover faster than the downtime to ride out: the lease must outlast the deadline, which outlasts
    // the downtime.
    expect(rule({ downtime: 60, failover: 55 })).toBe('goal: failover');
    expect(() => deriveTimings({ downtime: 60, failover: 55 })).toThrow(/relax failover to \d+s or more/);
    expect(rule({ downtime: 40_000, failover: 1e9, clockRate: 0.5 })).toBe('goal: downtime');
    expect(rule({ downtime: 60, failover: 500, clockRate: 1 })).toBe('goal: clockRate');
    expect(rule({ downtime: -1, failover: 500 })).toBe('goal: downtime');
    expect(rule({ downtime: 60, failover: Number.NaN })).toBe('goal: failover');
    expect(rule({ downtime: 60, failover: 500, pause: -1 })).toBe('goal: pause');
    expect(rule({ downtime: 60, failover: 500, renewals: 2 })).toBe('goal: renewals');
  });
});
