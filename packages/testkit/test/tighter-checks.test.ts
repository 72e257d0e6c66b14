/**
 * The checker's liveness, renewal and cadence checks, tightened (issue 23): for each, a deliberately broken
 * lock or driver that the check before passed (checks-before.ts) and the check now fails, in every seed
 * tried, while the correct elector passes the same seeds.
 */
import { type Lock, LockError } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import {
  type BackendFactory,
  checkCadence,
  checkLiveness,
  checkRenewals,
  checkRun,
  describeFailure,
  type ScenarioOverrides,
  scenarioFromSeed,
  simulate,
} from '../src/index.ts';
import { cadenceBefore, livenessBefore, renewalsBefore } from './checks-before.ts';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

/** Quiet enough that only the variant's flaw can break the checked invariant. */
const quiet: ScenarioOverrides = {
  counts: { partition: 0, pause: 0, crash: 0, stop: 0, refusals: 0, outage: 0 },
  faults: { driftMax: 0 },
};

describe('renewal: the send time is the one the store saw', () => {
  it("a leader counting its validity from each write's answer: passed before, caught now", async () => {
    for (const seed of SEEDS) {
      // Slow answers (up to half a retry period each way) make the answer late enough to matter.
      const overrides: ScenarioOverrides = {
        ...quiet,
        timing: { leaseDuration: 6, renewDeadline: 4, retryPeriod: 1, requestTimeout: 2 },
        faults: { driftMax: 0, latencyMaxMs: 400, errorRate: 0.3, timeoutRate: 0 },
      };
      const broken = await simulate(
        scenarioFromSeed(seed, { ...overrides, variant: 'validity-from-answer' }),
      );
      expect(renewalsBefore(broken), `seed ${seed}`).toBe(true);
      const caught = checkRenewals(broken);
      expect(caught.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(caught[0]!.detail).toMatch(/after its last write was sent/);
      const correct = await simulate(scenarioFromSeed(seed, overrides));
      const violations = checkRun(correct);
      expect(violations, describeFailure(correct, violations)).toEqual([]);
    }
  }, 120_000);
});

describe('cadence: what the store received', () => {
  it('a lock whose client retries a failed request at once: passed before, caught now', async () => {
    for (const seed of SEEDS) {
      const overrides: ScenarioOverrides = { ...quiet, faults: { driftMax: 0, errorRate: 0.2 } };
      const broken = await simulate(scenarioFromSeed(seed, { ...overrides, variant: 'retrying-client' }));
      expect(cadenceBefore(broken), `seed ${seed}`).toBe(true);
      const caught = checkCadence(broken);
      expect(caught.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(caught[0]!.detail).toMatch(/the store received a \w+ from c\d its state machine did not send/);
      const correct = await simulate(scenarioFromSeed(seed, overrides));
      expect(checkCadence(correct)).toEqual([]);
    }
  }, 120_000);
});

/**
 * A store that refuses every write from `fromMs` (true time) on: a leader lost after the heal for good, since
 * nobody can write again. `fromMs` is read on the store's clock, which runs on the simulation's true time.
 */
function readOnlyFrom(fromMs: number): BackendFactory {
  return (clock) => {
    const store = new MemoryLockStore({ clock });
    const epoch = clock.wallNow().getTime() - clock.now();
    const refuse = <T>(write: () => Promise<T>, lock: Lock): Promise<T> =>
      clock.wallNow().getTime() - epoch >= fromMs
        ? Promise.reject(new LockError('Unavailable', lock.describe(), 'read-only (test)'))
        : write();
    return {
      lock: (identity) => {
        const lock = store.lock('user', identity);
        return {
          identity,
          describe: () => lock.describe(),
          get: (o) => lock.get(o),
          create: (r, o) => refuse(() => lock.create(r, o), lock),
          update: (r, v, o) => refuse(() => lock.update(r, v, o), lock),
          watch: lock.watch.bind(lock),
        };
      },
    };
  };
}

describe('liveness: every leaderless stretch after the heal', () => {
  it('a leader lost for good shortly after the heal: passed before (a term spanned the heal), caught now', async () => {
    for (const seed of SEEDS) {
      const scenario = scenarioFromSeed(seed, {
        ...quiet,
        faults: { driftMax: 0, errorRate: 0, timeoutRate: 0, conflictRate: 0 },
      });
      const lostAt = scenario.faultPhaseMs + 100;
      const broken = await simulate(scenario, { backend: readOnlyFrom(lostAt) });
      expect(livenessBefore(broken), `seed ${seed}`).toBe(true);
      const caught = checkLiveness(broken);
      expect(caught, `seed ${seed}`).toHaveLength(1);
      expect(caught[0]!.detail).toMatch(/^no leader from .* \(after the heal at/);
      // The same store that never turns read-only: live.
      const healthy = await simulate(scenario, { backend: readOnlyFrom(Number.POSITIVE_INFINITY) });
      expect(checkLiveness(healthy)).toEqual([]);
    }
  }, 120_000);
});
