/**
 * Every simulated cluster records its lock history and the checker judges it: the in-memory store's
 * histories (with its hidden phantom writes recorded as rewrites of unknown outcome) are linearizable, and a
 * backend that lets a stale write through is reported as a `linearizability` violation by `checkRun`, and
 * drawn: its timeline marks the calls that cannot be ordered and zooms on them.
 */
import type { Lock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import {
  type BackendFactory,
  checkRun,
  renderTimeline,
  runLinearizability,
  scenarioFromSeed,
  simulate,
} from '../src/index.ts';

/** A fault of this test's own: an update with a stale version is applied anyway (last writer wins). */
const lastWriterWins: BackendFactory = (clock) => {
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
    let reported = 0;
    for (let seed = 1; seed <= 4; seed += 1) {
      // Phantom writers move the version on before many updates: each such update is stale, and applies.
      const run = await simulate(scenarioFromSeed(seed, { faults: { conflictRate: 0.3 } }), {
        backend: lastWriterWins,
      });
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

  it('its timeline marks the calls that cannot be ordered and zooms on them', async () => {
    const run = await simulate(scenarioFromSeed(1, { faults: { conflictRate: 0.3 } }), {
      backend: lastWriterWins,
    });
    const result = runLinearizability(run);
    expect(result.verdict).toBe('violation');
    if (result.verdict !== 'violation') return;
    const violation = checkRun(run).filter((v) => v.invariant === 'linearizability');
    const html = renderTimeline(run, violation);
    const [zoom, overview] = html.split('<svg class="overview"');
    // Every reported call a candidate made is drawn as a tall orange tick, in the zoomed panel and in the
    // whole run; no other is. (The phantom writer's rewrites have no lane: the violation's text lists them.)
    const marked = (svg: string) =>
      [...svg.matchAll(/class="request[^"]* unorderable" data-op="\w+" data-id="(\d+)"/g)].map((m) =>
        Number(m[1]),
      );
    const ids = result.operations
      .filter((o) => /^c\d+$/.test(o.handle))
      .map((o) => o.id)
      .sort((a, b) => a - b);
    expect(ids.length).toBeGreaterThan(0);
    expect(marked(overview!).sort((a, b) => a - b)).toEqual(ids);
    expect(marked(zoom!).sort((a, b) => a - b)).toEqual(ids);
    // The zoomed panel runs from the first of those calls to the last answer, with a tenth on each side.
    const first = Math.min(...result.operations.map((o) => o.callMs));
    const last = Math.max(...result.operations.map((o) => (Number.isFinite(o.retMs) ? o.retMs : o.callMs)));
    const window = zoom!.match(/<svg class="zoom"[^>]* data-from="([\d.]+)" data-to="([\d.]+)"/);
    expect(window).not.toBeNull();
    const [from, to] = [Number(window![1]), Number(window![2])];
    console.log(
      `linearizability on the timeline: ${result.operations.length} calls that cannot be ordered (${ids.length} made by candidates), [${(first / 1000).toFixed(3)}s, ${(last / 1000).toFixed(3)}s]; zoomed panel [${(from / 1000).toFixed(3)}s, ${(to / 1000).toFixed(3)}s] of a ${(run.endAtMs / 1000).toFixed(0)} s run`,
    );
    expect(from).toBeLessThanOrEqual(first);
    expect(to).toBeGreaterThanOrEqual(last);
    expect(to - from).toBeLessThanOrEqual(Math.max(1.2 * (last - first), last - first + 2) + 1e-6);
  }, 120_000);
});
