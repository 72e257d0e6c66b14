import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkRun,
  checkSingleLeader,
  describeFailure,
  peakRequestRate,
  type RunResult,
  type ScenarioOverrides,
  scenarioFromSeed,
  simulate,
  type Violation,
  writeTimeline,
} from '../src/index.ts';

/** CI default 500 runs; LEASEHOLD_SIM_RUNS for soak runs (LEASEHOLD_SIM_FC_SEED picks another sample). */
const RUNS = Number(process.env.LEASEHOLD_SIM_RUNS ?? 500);
const FC_SEED = Number(process.env.LEASEHOLD_SIM_FC_SEED ?? 20261124);
const seeds = fc.integer({ min: 1, max: 0x7fff_ffff });
const totals = {
  runs: 0,
  simulatedMs: 0,
  events: 0,
  leaderChanges: 0,
  violations: 0,
  requests: 0,
  outages: 0,
  peakPerRetryPeriodFailing: 0,
};

/** The most requests one candidate may send in any retry period while its requests fail (guarantees.md). */
const FAILING_PEAK = 4;

const requestsOf = (run: RunResult): number =>
  run.stats.requests.get + run.stats.requests.create + run.stats.requests.update;

/** A failing run as a test's message: the report, and the path of its timeline (open it in a browser). */
function failure(run: RunResult, violations: readonly Violation[], overrides?: ScenarioOverrides): string {
  return `${describeFailure(run, violations, overrides)}\n  timeline: ${writeTimeline(run, violations)}`;
}

async function violationsOf(seed: number, overrides?: ScenarioOverrides): Promise<Violation[]> {
  const run = await simulate(scenarioFromSeed(seed, overrides));
  return checkRun(run);
}

describe('simulated clusters inside the documented bounds', () => {
  it(`keep at most one leader, ordered tokens, timely renewals, and liveness after healing (${RUNS} runs)`, async () => {
    console.log(`simulation: ${RUNS} runs, fast-check seed ${FC_SEED}`);
    await fc.assert(
      fc.asyncProperty(seeds, async (seed) => {
        const run = await simulate(scenarioFromSeed(seed));
        const violations = checkRun(run);
        totals.runs += 1;
        totals.simulatedMs += run.endAtMs;
        totals.events += run.stats.events;
        totals.leaderChanges += run.intervals.length;
        totals.violations += violations.length;
        totals.requests += requestsOf(run);
        totals.outages += run.scenario.schedule.filter((f) => f.kind === 'outage').length;
        const { perRetryPeriodFailing } = peakRequestRate(run);
        totals.peakPerRetryPeriodFailing = Math.max(totals.peakPerRetryPeriodFailing, perRetryPeriodFailing);
        if (violations.length > 0) throw new Error(failure(run, violations));
        // docs/guarantees.md: at most 4 requests per retry period while failing (one timer-driven, plus the
        // exempt ones), in every run.
        if (perRetryPeriodFailing > FAILING_PEAK)
          throw new Error(`seed ${seed}: ${perRetryPeriodFailing} requests in a retry period while failing`);
      }),
      { numRuns: RUNS, seed: FC_SEED, endOnFailure: true },
    );
    expect(totals.runs).toBe(RUNS);
  }, 600_000);

  afterAll(() => {
    const hours = (totals.simulatedMs / 3_600_000).toFixed(2);
    console.log(
      `simulation totals: ${totals.runs} runs, ${hours} simulated hours, ${totals.events} events, ` +
        `${totals.leaderChanges} leadership terms, ${totals.requests} lock requests, ` +
        `${totals.outages} outages, at most ${totals.peakPerRetryPeriodFailing} requests per candidate in a ` +
        `retry period while failing, ${totals.violations} violations`,
    );
  });
});

describe('watch health: quiet followers', () => {
  it('every partition missed by the watch (a silently stalled stream): still safe, live within one more lease', async () => {
    let silentPartitions = 0;
    await fc.assert(
      fc.asyncProperty(seeds, async (seed) => {
        const scenario = scenarioFromSeed(seed, {
          faults: { silentWatchLossRate: 1 },
          counts: { partition: 3 },
        });
        silentPartitions += scenario.schedule.filter((f) => f.silentWatch).length;
        const run = await simulate(scenario);
        const violations = checkRun(run);
        if (violations.length > 0) throw new Error(failure(run, violations));
      }),
      { numRuns: 150, seed: FC_SEED, endOnFailure: true },
    );
    expect(silentPartitions).toBe(450);
  }, 300_000);

  it('followers with a live watch send a fraction of the requests of polling followers, equally safe', async () => {
    const sample = fc.sample(seeds, { numRuns: 60, seed: FC_SEED });
    const load = { watched: 0, polled: 0, watchedReads: 0, polledReads: 0 };
    let worst = { reads: 0, requests: 0 };
    for (const seed of sample) {
      const measure = async (watch: boolean) => {
        const run = await simulate(scenarioFromSeed(seed, { watch }));
        expect(checkRun(run)).toEqual([]);
        return { requests: requestsOf(run), reads: run.stats.requests.get };
      };
      const watched = await measure(true);
      const polled = await measure(false);
      load.watched += watched.requests;
      load.polled += polled.requests;
      load.watchedReads += watched.reads;
      load.polledReads += polled.reads;
      // Per run, the same scenario both ways (not only over the batch, where a few runs whose followers
      // polled despite a live watch would hide): under half the reads, and fewer requests.
      expect(watched.reads, `seed ${seed}: reads with a live watch`).toBeLessThan(polled.reads / 2);
      expect(watched.requests, `seed ${seed}: requests with a live watch`).toBeLessThan(polled.requests);
      worst = {
        reads: Math.max(worst.reads, watched.reads / polled.reads),
        requests: Math.max(worst.requests, watched.requests / polled.requests),
      };
    }
    console.log(
      `lock requests over ${sample.length} runs: live watch ${load.watched} (${load.watchedReads} reads), ` +
        `polling ${load.polled} (${load.polledReads} reads); per run, at most ${worst.reads.toFixed(2)} of the ` +
        `reads and ${worst.requests.toFixed(2)} of the requests`,
    );
  }, 300_000);
});

describe('outages: the store down for everyone, and bursts of instant refusals', () => {
  it('every run has two outages and refusal bursts: safe, live after healing, one request per retry period while failing', async () => {
    const seen = { refuse: 0, hang: 0, runs: 0, failingPeak: 0, requests: 0, simulatedMs: 0 };
    await fc.assert(
      fc.asyncProperty(seeds, async (seed) => {
        const scenario = scenarioFromSeed(seed, {
          counts: { outage: 2, refusals: 2 },
          faults: { instantFailureRate: 0.2 },
        });
        for (const f of scenario.schedule) if (f.kind === 'outage') seen[f.mode!] += 1;
        const run = await simulate(scenario);
        const violations = checkRun(run);
        if (violations.length > 0) throw new Error(failure(run, violations));
        seen.runs += 1;
        seen.requests += requestsOf(run);
        seen.simulatedMs += run.endAtMs;
        const { perRetryPeriodFailing } = peakRequestRate(run);
        if (perRetryPeriodFailing > FAILING_PEAK)
          throw new Error(`seed ${seed}: ${perRetryPeriodFailing} requests in a retry period while failing`);
        seen.failingPeak = Math.max(seen.failingPeak, perRetryPeriodFailing);
      }),
      { numRuns: 150, seed: FC_SEED, endOnFailure: true },
    );
    console.log(
      `outages: ${seen.runs} runs, ${(seen.simulatedMs / 3_600_000).toFixed(2)} simulated hours, ` +
        `${seen.refuse} refusing and ${seen.hang} hanging outages, ${seen.requests} requests, at most ` +
        `${seen.failingPeak} requests per candidate in a retry period while failing, 0 violations`,
    );
    expect(seen.refuse + seen.hang).toBe(300);
    expect(seen.refuse).toBeGreaterThan(0);
    expect(seen.hang).toBeGreaterThan(0);
    // checkRun's cadence invariant held in every run: after a failure, no request for a retry period; the
    // peak, exempt requests included (a write prompted by a notification, up to three release requests when
    // a candidate stops), stayed at most FAILING_PEAK in every run (asserted above).
    expect(seen.failingPeak).toBeGreaterThan(0);
  }, 300_000);
});

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
    const sample = fc.sample(seeds, { numRuns: 100, seed: FC_SEED });
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
    const sample = fc.sample(seeds, { numRuns: 100, seed: FC_SEED });
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

describe('one seed, one run', () => {
  it('a seed replays the identical trace; another seed gives another', async () => {
    const a = await simulate(scenarioFromSeed(1234));
    const b = await simulate(scenarioFromSeed(1234));
    const c = await simulate(scenarioFromSeed(1235));
    expect(a.trace.length).toBeGreaterThan(10);
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(JSON.stringify(b.intervals)).toBe(JSON.stringify(a.intervals));
    expect(JSON.stringify(c.trace)).not.toBe(JSON.stringify(a.trace));
  });

  it('the printed replay command reproduces the run', async () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', 'packages/testkit/src/replay.ts', '1234'],
      { cwd: root },
    );
    const run = await simulate(scenarioFromSeed(1234));
    const transitions = run.trace.filter((e) => e.from !== e.to).length;
    expect(stdout.match(/ -> /g)?.length).toBe(transitions);
    expect(stdout).toContain(`leader intervals ${run.intervals.length}`);
    expect(stdout).toContain('0 violations');
  });
});

describe('the checker can fail: broken variants are caught', () => {
  /** Searches seeds for a run that breaks `invariant` (any invariant when omitted). */
  const search = async (overrides: ScenarioOverrides, invariant?: Violation['invariant']) => {
    const found: Violation[] = [];
    const result = await fc.check(
      fc.asyncProperty(seeds, async (seed) => {
        const violations = await violationsOf(seed, overrides);
        found.push(...violations);
        return !violations.some((v) => invariant === undefined || v.invariant === invariant);
      }),
      { numRuns: 200, seed: 7, endOnFailure: true },
    );
    return { result, found };
  };

  it('the retry rule before rule 7 (retry at a past expiry at once) breaks the request-rate bound', async () => {
    const { result, found } = await search(
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
    const seed = result.counterexample![0];
    const run = await simulate(
      scenarioFromSeed(seed, {
        variant: 'eager-retry',
        counts: { outage: 1 },
        faults: { instantFailureRate: 0.2 },
        faultPhaseLeases: 3,
      }),
    );
    expect(peakRequestRate(run).perRetryPeriodFailing).toBeGreaterThan(FAILING_PEAK);
    console.log(`eager-retry: ${cadence.length} cadence violations; first: ${cadence[0]!.detail}`);
  }, 120_000);

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
    const { result } = await search({ pauseFactor: 1, counts: { pause: 4 }, pausesHitLeader: true });
    expect(result.failed).toBe(false);
  }, 120_000);
});
