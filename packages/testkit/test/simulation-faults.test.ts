/**
 * Simulated clusters with the watch failing silently, and with whole-store outages and refusal bursts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRun, peakRequestRate, scenarioFromSeed, simulate } from '../src/index.ts';
import { effort } from './effort.ts';
import { FAILING_PEAK, FC_SEED, failure, requestsOf, seeds } from './simulation-helpers.ts';

/** Runs of each property here: 150 in the full suite, 40 in the fast tier. */
const RUNS = effort(150, 40);
/** Seeds of the watched-against-polled comparison: 60 in the full suite, 20 in the fast tier. */
const LOAD_SAMPLE = effort(60, 20);

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
      { numRuns: RUNS, seed: FC_SEED, endOnFailure: true },
    );
    expect(silentPartitions).toBe(3 * RUNS);
  }, 300_000);

  it('followers with a live watch send a fraction of the requests of polling followers, equally safe', async () => {
    const sample = fc.sample(seeds, { numRuns: LOAD_SAMPLE, seed: FC_SEED });
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
      { numRuns: RUNS, seed: FC_SEED, endOnFailure: true },
    );
    console.log(
      `outages: ${seen.runs} runs, ${(seen.simulatedMs / 3_600_000).toFixed(2)} simulated hours, ` +
        `${seen.refuse} refusing and ${seen.hang} hanging outages, ${seen.requests} requests, at most ` +
        `${seen.failingPeak} requests per candidate in a retry period while failing, 0 violations`,
    );
    expect(seen.refuse + seen.hang).toBe(2 * RUNS);
    expect(seen.refuse).toBeGreaterThan(0);
    expect(seen.hang).toBeGreaterThan(0);
    // checkRun's cadence invariant held in every run: after a failure, no request for a retry period; the
    // peak, exempt requests included (a write prompted by a notification, up to three release requests when
    // a candidate stops), stayed at most FAILING_PEAK in every run (asserted above).
    expect(seen.failingPeak).toBeGreaterThan(0);
  }, 300_000);
});
