/**
 * The leader's guard in the simulator (issue 16): every leader polls `leadership.isCurrent()` every 20 ms
 * of its own clock (paused with its process, drifting with it) through runs with partitions, pauses, crashes,
 * outages, lost answers and clock drift. Whenever the guard said yes, at that true instant no other
 * candidate led (by the checker's intervals), and the lock's record held the guard's term. So a side effect
 * issued right after a passing `check()` was issued while this candidate alone led; what the guard cannot
 * cover (the effect arriving later) is docs/guarantees.md's "Fencing".
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkRun, describeFailure, scenarioFromSeed, simulate } from '../src/index.ts';
import { effort } from './effort.ts';

it('whenever the guard passes, the candidate is the only leader at that true instant', async () => {
  let samples = 0;
  let passing = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 0x7fff_ffff }), async (seed) => {
      const yes: { t: number; candidate: string; term: number }[] = [];
      const run = await simulate(scenarioFromSeed(seed), {
        onStartedLeading: (candidate, leadership, clock, trueNow) => {
          const poll = () => {
            if (leadership.signal.aborted) return;
            samples += 1;
            if (leadership.isCurrent()) yes.push({ t: trueNow(), candidate, term: leadership.term });
            clock.setTimer(20, poll);
          };
          poll();
        },
      });
      const violations = checkRun(run);
      expect(violations, describeFailure(run, violations)).toEqual([]);
      passing += yes.length;
      for (const sample of yes) {
        const others = run.intervals.filter(
          (i) => i.candidate !== sample.candidate && i.start <= sample.t && sample.t < i.end,
        );
        expect(others, `seed ${seed}: ${sample.candidate} passed its guard at ${sample.t} ms`).toEqual([]);
        const own = run.intervals.find(
          (i) => i.candidate === sample.candidate && i.start <= sample.t && sample.t <= i.end,
        );
        expect(own?.token, `seed ${seed}`).toBe(sample.term);
      }
    }),
    { numRuns: effort(60, 20), seed: 20261127 },
  );
  console.log(
    `fencing guard: ${samples} checks over 60 simulated clusters, ${passing} passed, none while another led`,
  );
  expect(passing).toBeGreaterThan(1_000);
}, 120_000);
