/**
 * Two candidates configured with one identity (rule 8), in simulated clusters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkSingleLeader,
  describeFailure,
  type ScenarioOverrides,
  scenarioFromSeed,
  simulate,
} from '../src/index.ts';
import { effort } from './effort.ts';
import { FC_SEED, seeds } from './simulation-helpers.ts';

/** Seeds of the twins' safety test: 100 in the full suite, 40 in the fast tier. */
const SAMPLE = effort(100, 40);
/**
 * Seeds of the search for a silent driver: 300 in both tiers. The runs it must find (twins overlapping with
 * nothing reported) are rare: none among the first 40 seeds; since leaders renew on a phase of their own
 * (issue 25, phase), none among the first 100 either, one among 200, two among 400.
 */
const SILENT_SAMPLE = 300;

describe('duplicate identities (rule 8)', () => {
  /**
   * Per run: only the twins overlap; every run in which they overlapped reported DuplicateIdentityError; and
   * no overlap outlasted a renew deadline (on the twin's clock) plus the twins' pauses: once the second
   * twin's write lands, the first can renew no more (its compare-and-swap conflicts, its re-read shows the
   * twin), so it leads at most until its own deadline. Returns each overlap's length in retry periods.
   */
  const twinRun = async (seed: number, overrides: ScenarioOverrides = {}) => {
    const run = await simulate(scenarioFromSeed(seed, { twins: true, candidates: 4, ...overrides }));
    const overlaps = checkSingleLeader(run);
    for (const v of overlaps) expect(v.detail, describeFailure(run, overlaps)).toMatch(/^c[01] .* c[01] led/);
    const { renewDeadline, retryPeriod } = run.scenario.timing;
    const paused = [...(run.pauses.c0 ?? []), ...(run.pauses.c1 ?? [])].reduce(
      (t, p) => t + p.end - p.start,
      0,
    );
    const bound = (renewDeadline * 1000) / (1 - run.scenario.faults.driftMax) + paused + 1;
    const lengths: number[] = [];
    for (const a of run.intervals.filter((i) => i.candidate === 'c0'))
      for (const b of run.intervals.filter((i) => i.candidate === 'c1')) {
        const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start);
        if (overlap > 0) lengths.push(overlap);
      }
    const reported = (run.stats.errorsByName.DuplicateIdentityError ?? 0) > 0;
    return { run, lengths, bound, reported, retryPeriodMs: retryPeriod * 1000 };
  };

  it('two candidates with one identity: every overlap is reported and ends within a renew deadline; nobody else ever overlaps', async () => {
    const sample = fc.sample(seeds, { numRuns: SAMPLE, seed: FC_SEED });
    let overlappingRuns = 0;
    let reportingRuns = 0;
    let withinRetryPeriod = 0;
    let worst = 0;
    let overlaps = 0;
    for (const seed of sample) {
      const { run, lengths, bound, reported, retryPeriodMs } = await twinRun(seed);
      if (lengths.length > 0) {
        overlappingRuns += 1;
        expect(reported, `seed ${seed}: the twins overlapped, nothing reported`).toBe(true);
      }
      if (reported) reportingRuns += 1;
      for (const length of lengths) {
        expect(length, describeFailure(run, checkSingleLeader(run))).toBeLessThanOrEqual(bound);
        overlaps += 1;
        if (length <= retryPeriodMs) withinRetryPeriod += 1;
        worst = Math.max(worst, length / retryPeriodMs);
      }
    }
    console.log(
      `twins: ${sample.length} runs, ${overlappingRuns} with the twins leading at once (${overlaps} overlaps, ` +
        `${withinRetryPeriod} within one retry period, the longest ${worst.toFixed(2)} retry periods), ` +
        `${reportingRuns} reporting DuplicateIdentity`,
    );
    expect(overlappingRuns).toBeGreaterThan(0);
  }, 300_000);

  it('a driver silent about a twin found by a read: passed the batch-wide count, caught per run', async () => {
    const sample = fc.sample(seeds, { numRuns: SILENT_SAMPLE, seed: FC_SEED });
    let overlappingRuns = 0;
    let reportingRuns = 0;
    const silent: number[] = [];
    for (const seed of sample) {
      const { lengths, reported } = await twinRun(seed, { variant: 'twin-unreported-on-read' });
      if (lengths.length > 0) overlappingRuns += 1;
      if (reported) reportingRuns += 1;
      if (lengths.length > 0 && !reported) silent.push(seed);
    }
    console.log(
      `twins, silent on reads: ${overlappingRuns} overlapping runs, ${reportingRuns} reporting, silent: ${silent.join(' ')}`,
    );
    // The check before issue 23: reporting runs at least the overlapping runs, and over half. It passes.
    expect(reportingRuns >= overlappingRuns && reportingRuns > sample.length / 2).toBe(true);
    // Per run: some run had the twins overlap and said nothing.
    expect(silent.length).toBeGreaterThan(0);
  }, 300_000);
});
