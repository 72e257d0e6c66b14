/**
 * The simulator's main property: seeded clusters with every fault inside the documented bounds keep one
 * leader, ordered tokens, timely renewals, liveness after healing and the failing request rate; and a seed
 * replays. The other simulation properties are in simulation-*.test.ts (split so vitest runs them side by side).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRun, peakRequestRate, scenarioFromSeed, simulate } from '../src/index.ts';
import { effort } from './effort.ts';
import { FAILING_PEAK, FC_SEED, failure, requestsOf, seeds } from './simulation-helpers.ts';

/** 500 runs in the full suite, 100 in the fast tier; LEASEHOLD_SIM_RUNS for soak runs. */
const RUNS = Number(process.env.LEASEHOLD_SIM_RUNS ?? effort(500, 100));
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
