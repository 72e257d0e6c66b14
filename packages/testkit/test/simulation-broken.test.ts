/**
 * The checker can fail: broken variants of the elector, the lock and the timing bounds are caught by a seed
 * search, and the same faults inside the bounds break nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkRun,
  peakRequestRate,
  type RunResult,
  type ScenarioOverrides,
  scenarioFromSeed,
  simulate,
  type Violation,
} from '../src/index.ts';
import { effort } from './effort.ts';
import { FAILING_PEAK, seeds } from './simulation-helpers.ts';

/** Seeds tried by a search that must find nothing: 200 in the full suite, 50 in the fast tier. */
const CLEAN_RUNS = effort(200, 50);

describe('the checker can fail: broken variants are caught', () => {
  /**
   * Searches seeds for a run that breaks `invariant` (any invariant when omitted), stopping at the first; up
   * to 200 seeds (a broken variant is found within a few dozen). Returns the breaking run too, so a test
   * that looks further into it need not simulate it again (an eager-retry run takes seconds).
   */
  const search = async (overrides: ScenarioOverrides, invariant?: Violation['invariant'], numRuns = 200) => {
    const found: Violation[] = [];
    let breaking: RunResult | undefined;
    const result = await fc.check(
      fc.asyncProperty(seeds, async (seed) => {
        const run = await simulate(scenarioFromSeed(seed, overrides));
        const violations = checkRun(run);
        found.push(...violations);
        const holds = !violations.some((v) => invariant === undefined || v.invariant === invariant);
        if (!holds) breaking = run;
        return holds;
      }),
      { numRuns, seed: 7, endOnFailure: true },
    );
    return { result, found, breaking };
  };

  // A timeout is not what these tests assert: one eager-retry run takes seconds of CPU (its candidates retry
  // at once, over and over), past 5 minutes on a 2-core machine at a load average of 20.
  it('the retry rule before rule 7 (retry at a past expiry at once) breaks the request-rate bound', async () => {
    const { result, found, breaking } = await search(
      {
        variant: 'eager-retry',
        counts: { outage: 1 },
        faults: { instantFailureRate: 0.2 },
        faultPhaseLeases: 3,
      },
      'cadence',
    );
    expect(result.failed).toBe(true);
    const cadence = found.filter((v) => v.invariant === 'cadence');
    expect(cadence.length).toBeGreaterThan(0);
    // The same run breaks the documented peak of requests per retry period while failing.
    expect(breaking?.scenario.seed).toBe(result.counterexample![0]);
    expect(peakRequestRate(breaking!).perRetryPeriodFailing).toBeGreaterThan(FAILING_PEAK);
    console.log(`eager-retry: ${cadence.length} cadence violations; first: ${cadence[0]!.detail}`);
  }, 600_000);

  it('a lock without compare-and-swap lets two candidates lead at once', async () => {
    const { result, found } = await search({ variant: 'no-cas' }, 'single-leader');
    expect(result.failed).toBe(true);
    expect(found.map((v) => v.invariant)).toContain('single-leader');
  }, 120_000);

  it('an elector that trusts the remote renewTime is caught under wall-clock skew', async () => {
    const { result, found } = await search({ variant: 'trust-remote-clock' }, 'single-leader');
    expect(result.failed).toBe(true);
    expect(found.map((v) => v.invariant)).toContain('single-leader');
  }, 120_000);

  it('pauses beyond leaseDuration - renewDeadline break safety', async () => {
    const { result, found } = await search(
      { pauseFactor: 4, counts: { pause: 4 }, pausesHitLeader: true },
      'single-leader',
    );
    expect(result.failed).toBe(true);
    expect(found.map((v) => v.invariant)).toContain('single-leader');
  }, 120_000);

  it('the same leader-aimed pauses within the bound break nothing', async () => {
    const { result } = await search(
      { pauseFactor: 1, counts: { pause: 4 }, pausesHitLeader: true },
      undefined,
      CLEAN_RUNS,
    );
    expect(result.failed).toBe(false);
  }, 120_000);
});
