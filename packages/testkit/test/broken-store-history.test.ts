/**
 * The linearizability checker on a history recorded from a deliberately broken in-memory store (issue 23,
 * item 1): the store applies an update whatever version it expected (last writer wins). Under the
 * concurrent workload (six handles, latency, lost answers), the history is caught, and the report is
 * minimal: its operations alone cannot be ordered, and without any one of them they can. The same workload
 * on the store as shipped is linearizable.
 */
import type { Lock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import {
  type BackendFactory,
  checkLinearizability,
  type LockOperation,
  runConcurrentWorkload,
} from '../src/index.ts';

/** The in-memory store, with its update's compare-and-swap taken out. */
const lastWriterWins: BackendFactory = (clock) => {
  const store = new MemoryLockStore({ clock });
  const wrap = (lock: Lock): Lock => ({
    identity: lock.identity,
    describe: () => `${lock.describe()} (last writer wins)`,
    get: (o) => lock.get(o),
    create: (r, o) => lock.create(r, o),
    update: async (record) => store.put('m', record),
  });
  return { lock: (identity) => wrap(store.lock('m', identity)) };
};

const asShipped: BackendFactory = (clock) => {
  const store = new MemoryLockStore({ clock });
  return { lock: (identity) => store.lock('m', identity) };
};

describe('a history recorded from a broken in-memory store', () => {
  it('is caught, and reported minimal: the reported calls cannot be ordered, and without any one of them they can', async () => {
    let caught = 0;
    for (let seed = 1; seed <= 5; seed += 1) {
      const { history, result } = await runConcurrentWorkload(lastWriterWins, { seed });
      expect(result.verdict, `seed ${seed}`).toBe('violation');
      if (result.verdict !== 'violation') continue;
      caught += 1;
      expect(result.minimal, `seed ${seed}`).toBe(true);
      const reported = result.operations;
      console.log(
        `broken store, workload seed ${seed}: ${history.length} calls, reported ${reported.length} ` +
          `(+${result.unknownWrites} writes of unknown outcome):\n${result.detail}`,
      );
      expect(reported.length).toBeLessThan(history.length / 4);
      // Among them, an update that applied although another write had moved the version on.
      expect(reported.some((o) => o.op === 'update' && o.outcome.type === 'snapshot')).toBe(true);
      // Checked from outside the checker's own minimizer: the reported answers, with every write made
      // before the last of them kept but its answer forgotten (applied or not), cannot be ordered; relax any
      // one reported answer (a read or refusal dropped, a write's answer forgotten) and they can.
      const reportedIds = new Set(reported.map((o) => o.id));
      const last = Math.max(...reported.map((o) => o.ret));
      const kept = history
        .filter((o) => reportedIds.has(o.id) || (o.op !== 'get' && o.call < last))
        .map((o) => (reportedIds.has(o.id) ? o : forgotten(o)));
      expect(checkLinearizability(kept, { minimize: false }).verdict).toBe('violation');
      for (const op of reported) {
        const relaxed = kept
          .filter((o) => o.id !== op.id || (o.op !== 'get' && o.outcome.type === 'snapshot'))
          .map((o) => (o.id === op.id ? forgotten(o) : o));
        expect(checkLinearizability(relaxed, { minimize: false }).verdict, `seed ${seed}: #${op.id}`).toBe(
          'linearizable',
        );
      }
    }
    expect(caught).toBe(5);
  }, 120_000);

  it('the same workload on the store as shipped is linearizable', async () => {
    for (let seed = 1; seed <= 5; seed += 1) {
      const { result } = await runConcurrentWorkload(asShipped, { seed });
      expect(['linearizable', 'stale-reads'], `seed ${seed}`).toContain(result.verdict);
    }
  }, 120_000);
});

/** A call's answer forgotten: it may or may not have applied, at any moment after its call. */
function forgotten(o: LockOperation): LockOperation {
  return {
    ...o,
    ret: Number.POSITIVE_INFINITY,
    retMs: Number.POSITIVE_INFINITY,
    outcome: { type: 'unknown' },
  };
}
