/**
 * The bug zoo, judged through `verifyBackend` (what `leasehold check` runs) at its default settings: every
 * bug FAILs in each of a few fixed sequence seeds, and the linearizability check is among what catches it;
 * no safe backend ever FAILs. The catch rates over 100 seeds are measured by
 * packages/testkit/scripts/zoo-table.ts (the table in docs/model-checking.md).
 */
import { describe, expect, it } from 'vitest';
import { verifyBackend } from '../src/index.ts';
import { zoo } from './zoo/index.ts';

const BUG_SEEDS = [1, 2];
/** Safe backends run fewer clusters here than the default 100 (each takes about 20 s at 100); the table runs 100. */
const SAFE_RUNS = 30;

describe('the bug zoo', () => {
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
    it(`${entry.name} (${entry.what}) never fails`, async () => {
      const v = await verifyBackend(await entry.load(), { seed: 1, runs: SAFE_RUNS });
      expect(v.conformance.failures).toEqual([]);
      expect(v.workloads.violation?.result ?? null).toBeNull();
      expect(v.workloads.linearizable).toBe(v.workloads.runs);
      expect(v.simulation.failure?.report ?? null).toBeNull();
      expect(v.simulation.histories.linearizable).toBe(SAFE_RUNS);
      expect(v.verdict).toBe('PASS');
    }, 300_000);
  }
});
