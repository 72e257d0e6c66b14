/**
 * The linearizability checker on hand-written histories: what a compare-and-swap register can and cannot
 * answer, with calls overlapping or not, and with answers lost on either side of the impossible moment.
 */
import { describe, expect, it } from 'vitest';
import { checkLinearizability } from '../src/linearizability/check.ts';
import type { LockHistory, LockOperation, LockOutcome } from '../src/linearizability/history.ts';

const snap = (version: string, record: string): LockOutcome => ({ type: 'snapshot', version, record });
const unknown: LockOutcome = { type: 'unknown' };

/** A history from compact rows: [handle, op, record or expected version, call, return, outcome]. */
function history(
  rows: [string, LockOperation['op'], { record?: string; expected?: string }, number, number, LockOutcome][],
): LockHistory {
  return rows.map(([handle, op, input, call, ret, outcome], id) => ({
    id,
    handle,
    op,
    ...(input.record === undefined ? {} : { record: input.record }),
    ...(input.expected === undefined ? {} : { expectedVersion: input.expected }),
    call,
    ret: outcome.type === 'unknown' ? Number.POSITIVE_INFINITY : ret,
    callMs: call,
    retMs: outcome.type === 'unknown' ? Number.POSITIVE_INFINITY : ret,
    outcome,
  }));
}

describe('checkLinearizability on hand-written histories', () => {
  it('a sequential create, read, update and stale update is linearizable', () => {
    const h = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['b', 'get', {}, 3, 4, snap('1', 'A')],
      ['b', 'update', { record: 'B', expected: '1' }, 5, 6, snap('2', 'B')],
      ['a', 'update', { record: 'A2', expected: '1' }, 7, 8, { type: 'conflict' }],
      ['a', 'get', {}, 9, 10, snap('2', 'B')],
    ]);
    expect(checkLinearizability(h).verdict).toBe('linearizable');
  });

  it('two updates on one version that both succeed cannot be ordered, overlapping or not', () => {
    const overlapping = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['b', 'update', { record: 'B', expected: '1' }, 3, 6, snap('2', 'B')],
      ['c', 'update', { record: 'C', expected: '1' }, 4, 5, snap('3', 'C')],
    ]);
    const result = checkLinearizability(overlapping);
    expect(result.verdict).toBe('violation');
    if (result.verdict !== 'violation') return;
    // Minimal: both updates; the create's answer is not needed (only that it may have applied).
    expect(result.operations.map((o) => o.id).sort()).toEqual([1, 2]);
    expect(result.unknownWrites).toBe(1);
    expect(result.minimal).toBe(true);
    expect(result.detail).toMatch(/update\(expected 1/);
  });

  it('a read inside a write may see either side; a read after it must see the write', () => {
    const concurrent = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 8, snap('2', 'A2')],
      ['b', 'get', {}, 4, 5, snap('1', 'A')],
      ['c', 'get', {}, 6, 7, snap('2', 'A2')],
    ]);
    expect(checkLinearizability(concurrent).verdict).toBe('linearizable');
    const stale = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 4, snap('2', 'A2')],
      ['b', 'get', {}, 5, 6, snap('1', 'A')],
    ]);
    const result = checkLinearizability(stale);
    expect(result.verdict).toBe('violation');
    if (result.verdict === 'violation') expect(result.operations.map((o) => o.id).sort()).toEqual([1, 2]);
  });

  it('reads that lag the writes are stale-reads within the allowance, a violation beyond it', () => {
    const stale = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 4, snap('2', 'A2')],
      ['b', 'get', {}, 10, 11, snap('1', 'A')],
    ]);
    expect(checkLinearizability(stale, { readLagMs: 20 })).toEqual({ verdict: 'stale-reads', readLagMs: 20 });
    expect(checkLinearizability(stale, { readLagMs: 5 }).verdict).toBe('violation');
    // A torn read (the version of one write, the record of another) is no state the register ever had.
    const torn = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 4, snap('2', 'A2')],
      ['b', 'get', {}, 10, 11, snap('2', 'A')],
    ]);
    expect(checkLinearizability(torn, { readLagMs: 1000 }).verdict).toBe('violation');
  });

  it('a lost write may have applied: a later read of its record under a version nobody returned is fine', () => {
    const h = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 0, unknown],
      ['b', 'get', {}, 10, 11, snap('7', 'A2')],
      ['b', 'update', { record: 'B', expected: '7' }, 12, 13, snap('8', 'B')],
    ]);
    expect(checkLinearizability(h).verdict).toBe('linearizable');
    // ...or may never have applied.
    const never = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 0, unknown],
      ['b', 'get', {}, 10, 11, snap('1', 'A')],
      ['b', 'update', { record: 'B', expected: '1' }, 12, 13, snap('8', 'B')],
    ]);
    expect(checkLinearizability(never).verdict).toBe('linearizable');
  });

  it('a lost write cannot take effect before its call, nor under a version another write created', () => {
    const early = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['b', 'get', {}, 3, 4, snap('5', 'A2')],
      ['a', 'update', { record: 'A2', expected: '1' }, 6, 0, unknown],
    ]);
    const result = checkLinearizability(early);
    expect(result.verdict).toBe('violation');
    const reused = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['a', 'update', { record: 'A2', expected: '1' }, 3, 0, unknown],
      ['b', 'get', {}, 10, 11, snap('1', 'A2')],
    ]);
    expect(checkLinearizability(reused).verdict).toBe('violation');
  });

  it('lost answers on both sides of the impossible moment: the report keeps only what is needed', () => {
    const h = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['x', 'update', { record: 'X', expected: '1' }, 2.5, 0, unknown], // lost before
      ['b', 'update', { record: 'B', expected: '1' }, 3, 4, snap('2', 'B')],
      ['c', 'get', {}, 5, 6, snap('2', 'B')],
      ['c', 'update', { record: 'C', expected: '1' }, 7, 8, snap('3', 'C')], // stale, yet applied
      ['y', 'update', { record: 'Y', expected: '3' }, 9, 0, unknown], // lost after
      ['d', 'get', {}, 10, 11, snap('3', 'C')],
    ]);
    const result = checkLinearizability(h);
    expect(result.verdict).toBe('violation');
    if (result.verdict !== 'violation') return;
    const ids = result.operations.map((o) => o.id);
    expect(ids).toContain(4); // the stale update that applied
    expect(ids).not.toContain(5); // the lost write after the moment cannot matter
    expect(ids).not.toContain(6); // nor the read after it
    expect(result.atMs).toBe(8);
  });

  it('a create over an existing object, and an update of a missing one that applies, are violations', () => {
    const overwrite = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['b', 'create', { record: 'B' }, 3, 4, snap('2', 'B')],
    ]);
    expect(checkLinearizability(overwrite).verdict).toBe('violation');
    const ghost = history([['a', 'update', { record: 'A', expected: '1' }, 1, 2, snap('2', 'A')]]);
    expect(checkLinearizability(ghost).verdict).toBe('violation');
    const notBumped = history([
      ['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')],
      ['b', 'update', { record: 'B', expected: '1' }, 3, 4, snap('1', 'B')],
    ]);
    expect(checkLinearizability(notBumped).verdict).toBe('violation');
  });

  it('an exhausted budget is unknown, never a pass', () => {
    // Many lost writes on one version, then reads that fit none of them: every subset must be tried.
    const rows: Parameters<typeof history>[0] = [['a', 'create', { record: 'A' }, 1, 2, snap('1', 'A')]];
    for (let i = 0; i < 12; i += 1) rows.push([`w${i}`, 'touch', {}, 3 + i, 0, unknown]);
    rows.push(['r', 'get', {}, 100, 101, snap('1', 'Z')]);
    expect(checkLinearizability(history(rows), { maxSteps: 50 }).verdict).toBe('unknown');
    expect(checkLinearizability(history(rows)).verdict).toBe('violation');
  });
});
