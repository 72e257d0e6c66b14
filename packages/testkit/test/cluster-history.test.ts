/**
 * Every simulated cluster records its lock history and the checker judges it: the in-memory store's
 * histories (with its hidden phantom writes recorded as rewrites of unknown outcome) are linearizable, and a
 * backend that lets a stale write through is reported as a `linearizability` violation by `checkRun`.
 */
import type { Lock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import {
  type BackendFactory,
  checkRun,
  runLinearizability,
  scenarioFromSeed,
  simulate,
} from '../src/index.ts';

describe('simulated clusters record their lock history', () => {
  it('the in-memory store under heavy phantom writes and lost answers: every history is linearizable', async () => {
    for (let seed = 1; seed <= 4; seed += 1) {
      const run = await simulate(scenarioFromSeed(seed, { faults: { conflictRate: 0.3, timeoutRate: 0.1 } }));
      expect(runLinearizability(run).verdict, `seed ${seed}`).toBe('linearizable');
      const touches = run.history.filter((o) => o.op === 'touch').length;
      const updates = run.history.filter((o) => o.op === 'update').length;
      expect(updates, `seed ${seed}`).toBeGreaterThan(0);
      // Roughly 30% of updates met a phantom writer, each recorded.
      expect(touches, `seed ${seed}`).toBeGreaterThan(0);
      for (const op of run.history) expect(op.retMs >= op.callMs, `seed ${seed} #${op.id}`).toBe(true);
      expect(checkRun(run).filter((v) => v.invariant === 'linearizability')).toEqual([]);
    }
  }, 120_000);

  it('a backend whose update overwrites once the version moved on is reported by checkRun', async () => {
    // A fault of this test's own: an update with a stale version is applied anyway (last writer wins).
    const backend: BackendFactory = (clock) => {
      const store = new MemoryLockStore({ clock });
      const wrap = (lock: Lock): Lock => ({
        identity: lock.identity,
        describe: () => lock.describe(),
        get: (o) => lock.get(o),
        create: (r, o) => lock.create(r, o),
        update: async (record) => store.put('m', record),
      });
      return { lock: (identity) => wrap(store.lock('m', identity)) };
    };
    let reported = 0;
    for (let seed = 1; seed <= 4; seed += 1) {
      // Phantom writers move the version on before many updates: each such update is stale, and applies.
      const run = await simulate(scenarioFromSeed(seed, { faults: { conflictRate: 0.3 } }), { backend });
      const found = checkRun(run).filter((v) => v.invariant === 'linearizability');
      if (found.length > 0) {
        reported += 1;
        expect(found[0]!.detail).toMatch(/^no compare-and-swap register answers these \d+ calls: #\d+ /);
        // Among them, an update that applied (a candidate's stale one, or the phantom's it overwrote).
        expect(found[0]!.detail).toMatch(/update\(expected \d+ holder=c\d+\) -> version \d+/);
      }
    }
    expect(reported).toBe(4);
  }, 120_000);
});
