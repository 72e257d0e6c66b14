/**
 * A fixed subset of the clock-rate sweep (docs/guarantees.md, "The clock-rate margin"): rate errors inside
 * the documented bound break nothing; one well outside it elects two leaders.
 */
import { describe, expect, it } from 'vitest';
import { clockRateBound, clockRatePoint } from '../src/clock-rate.ts';
import { effort } from './effort.ts';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
/** Seeds of each point inside the bound: the eight in the full suite, four in the fast tier. */
const INSIDE_SEEDS = effort(SEEDS, SEEDS.slice(0, 4));

describe('the clock-rate margin', () => {
  it('inside the bound (1 + r) / (1 - r) < L / D: no violation', async () => {
    for (const [ratio, rate] of [
      [1.2, 0.05],
      [1.5, 0.15],
      [2, 0.3],
    ] as const) {
      expect(rate).toBeLessThan(clockRateBound(ratio));
      const point = await clockRatePoint(ratio, rate, INSIDE_SEEDS);
      expect(point.insideBound).toBe(true);
      expect({ ratio, rate, violating: point.violating, seed: point.firstSeed }).toEqual({
        ratio,
        rate,
        violating: 0,
        seed: undefined,
      });
    }
  }, 300_000);

  it('well outside it (L / D = 1.2, r = 0.4, bound 0.091): two leaders', async () => {
    const point = await clockRatePoint(1.2, 0.4, SEEDS);
    expect(point.insideBound).toBe(false);
    console.log(
      `clock rate 0.4 at L/D 1.2: ${point.violating} of ${point.runs} clusters broke ${point.invariants.join(', ')}`,
    );
    expect(point.violating).toBeGreaterThan(0);
    expect(point.invariants).toContain('single-leader');
  }, 300_000);
});
