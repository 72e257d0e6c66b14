/**
 * The bug zoo, judged through `verifyBackend` (what `leasehold check` runs) at its default settings, faults
 * inside the lock on (every zoo backend offers its store): every bug FAILs in each of a few fixed sequence
 * seeds, and the linearizability check is among what catches it; no safe backend ever FAILs, and each gets
 * the verdict it is listed with (PASS, or WARN for reads that lag). The catch rates over 100 seeds are measured by
 * packages/testkit/scripts/zoo-table.ts (the table in docs/model-checking.md).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKLOADS, verifyBackend } from '../src/index.ts';
import { effort } from './effort.ts';
import { zoo } from './zoo/index.ts';

/** Sequence seeds each bug must FAIL in: two in the full suite, one in the fast tier. */
const BUG_SEEDS = effort([1, 2], [1]);
/**
 * Safe backends run fewer clusters here than the default 100 (each takes about 20 s at 100); the table runs
 * 100. 30 in the full suite, 10 in the fast tier.
 */
const SAFE_RUNS = effort(30, 10);
/** Clusters of a store bug checked without faults inside the lock: 20 in the full suite, 10 in the fast tier. */
const NO_FAULT_RUNS = effort(20, 10);

describe('the bug zoo', () => {
  it('has the twelve bugs and six safe backends docs/model-checking.md counts, checked with 10 workloads', () => {
    expect(zoo.filter((e) => e.kind === 'bug')).toHaveLength(12);
    expect(zoo.filter((e) => e.kind === 'safe')).toHaveLength(6);
    expect(DEFAULT_WORKLOADS).toBe(10);
  });

  for (const entry of zoo.filter((e) => e.kind === 'bug')) {
    it(`${entry.name} (${entry.what}) fails, and linearizability catches it`, async () => {
      const backend = await entry.load();
      for (const seed of BUG_SEEDS) {
        const v = await verifyBackend(backend, { seed });
        expect(v.verdict, `seed ${seed}`).toBe('FAIL');
        const inClusters = v.simulation.failure?.violations.some((x) => x.invariant === 'linearizability');
        expect(v.workloads.violation !== null || inClusters === true, `seed ${seed}: linearizability`).toBe(
          true,
        );
      }
    }, 300_000);
  }

  for (const entry of zoo.filter((e) => e.kind === 'safe')) {
    it(`${entry.name} (${entry.what}) never fails: ${entry.expect}`, async () => {
      const v = await verifyBackend(await entry.load(), { seed: 1, runs: SAFE_RUNS });
      expect(v.storeFaults).toBe(true);
      expect(v.conformance.failures).toEqual([]);
      expect(v.workloads.violation?.result ?? null).toBeNull();
      expect(v.workloads.unknown + v.simulation.histories.unknown).toBe(0);
      expect(v.simulation.failure?.report ?? null).toBeNull();
      expect(v.simulation.runs).toBe(SAFE_RUNS);
      expect(v.workloads.runs).toBe(DEFAULT_WORKLOADS);
      if (entry.expect === 'PASS') {
        expect(v.workloads.linearizable).toBe(v.workloads.runs);
        expect(v.simulation.histories.linearizable).toBe(SAFE_RUNS);
        expect(v.warnings).toEqual([]);
      } else {
        // Some history passed only with reads lagging the writes; the warning says what that costs.
        expect(v.workloads.staleReads + v.simulation.histories.staleReads).toBeGreaterThan(0);
        expect(v.warnings.join('\n')).toMatch(/stale reads: .* Cost: /);
      }
      expect(v.verdict).toBe(entry.expect);
    }, 300_000);
  }

  // The bugs in how a lock handles its store's failures are invisible without faults inside the lock.
  const storeBugs = ['timeout-as-not-found', 'error-as-conflict', 'swallowed-failure', 'retry-repeats-write'];
  for (const entry of zoo.filter((e) => storeBugs.includes(e.name))) {
    it(`${entry.name} passes without faults inside the lock: only they show it`, async () => {
      const v = await verifyBackend(await entry.load(), { seed: 1, runs: NO_FAULT_RUNS, storeFaults: false });
      expect(v.storeFaults).toBe(false);
      expect(v.verdict).toBe('PASS');
    }, 300_000);
  }
});
