/**
 * A rolling update in the simulator (issue 16): six candidate slots, three old replicas running (c0
 * starts first and leads) and three new ones that join one at a time (a crash at time 0 whose end is
 * the new replica's start); each old replica is stopped (it releases if it leads) 1.5 s after a new one
 * joined, oldest first, the leader first. Leadership must change once, to a new replica, and every run
 * stays free of violations. The release preference of rule 9 (a candidate that joined well into the
 * leader's term writes at once) is what makes the count 1; without the stagger it is left to the race.
 */
import { describe, expect, it } from 'vitest';
import {
  checkRun,
  describeFailure,
  type FaultEvent,
  type RunResult,
  scenarioFromSeed,
  simulate,
} from '../src/index.ts';
import { effort } from './effort.ts';

function rollingUpdate(seed: number, takeoverSlot: number) {
  const base = scenarioFromSeed(seed, {
    candidates: 6,
    timing: { leaseDuration: 3, renewDeadline: 2, retryPeriod: 0.5, requestTimeout: 1, takeoverSlot },
    faults: {
      latencyMaxMs: 5,
      watchLatencyMaxMs: 5,
      errorRate: 0,
      timeoutRate: 0,
      conflictRate: 0,
      driftMax: 0.01,
      silentWatchLossRate: 0,
      instantFailureRate: 0,
    },
    counts: { partition: 0, pause: 0, crash: 0, stop: 0, refusals: 0, outage: 0 },
    faultPhaseLeases: 15,
  });
  const schedule: FaultEvent[] = [
    // c1 and c2 start a second after c0, so c0 leads; c3, c4, c5 are the update's new replicas.
    { atMs: 0, kind: 'crash', candidate: 1, durationMs: 1_000 },
    { atMs: 0, kind: 'crash', candidate: 2, durationMs: 1_000 },
    ...[0, 1, 2].flatMap((i): FaultEvent[] => [
      { atMs: 0, kind: 'crash', candidate: 3 + i, durationMs: 10_000 + i * 4_000 },
      { atMs: 11_500 + i * 4_000, kind: 'stop', candidate: i, durationMs: 60_000 },
    ]),
  ];
  return simulate({ ...base, schedule });
}

const leadersAfter = (run: RunResult, fromMs: number, toMs: number) =>
  run.intervals
    .filter((i) => i.start >= fromMs && i.start < toMs)
    .sort((a, b) => a.start - b.start)
    .map((i) => i.candidate);

/** Seeds: 20 in the full suite (the figures in docs/benchmarks.md), 6 in the fast tier. */
const SEEDS = effort(20, 6);

describe('a rolling update in the simulator', () => {
  it('moves leadership once, to a new replica, in every seed', async () => {
    const counts: number[] = [];
    const racing: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed += 1) {
      const run = await rollingUpdate(seed, 0.025);
      const violations = checkRun(run);
      expect(violations, describeFailure(run, violations)).toEqual([]);
      const initial = run.intervals.filter((i) => i.start < 10_000).map((i) => i.candidate);
      expect(initial.at(-1)).toBe('c0');
      const leaders = leadersAfter(run, 10_000, 25_000);
      counts.push(leaders.length);
      expect(leaders, `seed ${seed}`).toHaveLength(1);
      expect(['c3', 'c4', 'c5'], `seed ${seed}`).toContain(leaders[0]);
      const off = await rollingUpdate(seed, 0);
      // docs/benchmarks.md: no violation with the stagger off either.
      const offViolations = checkRun(off);
      expect(offViolations, describeFailure(off, offViolations)).toEqual([]);
      racing.push(leadersAfter(off, 10_000, 25_000).length);
    }
    console.log(
      `rolling update in the simulator, ${SEEDS} seeds: leadership changes ${counts.join(' ')}; without the stagger ${racing.join(' ')}`,
    );
  }, 120_000);
});
