/**
 * The term (`leaderTransitions`) a candidate writes when it takes the lock (docs/guide.md rule 6,
 * docs/guarantees.md "Fencing: what the term tells apart"): one more than the record's after any other
 * holder or a release, the same when the record still names this candidate (a loss nobody acted on, a
 * restart under the same identity, a hand-written record). One identity can so lead twice in one term.
 */
import { describe, expect, it } from 'vitest';
import { lockAt, record, Script } from './harness.ts';

describe('the term a takeover writes', () => {
  it('is one more after another holder or a release', () => {
    const released = new Script();
    released.feed(0, { type: 'START' });
    released.feed(0, { type: 'LOCK_READ', snapshot: lockAt('7', record('', { leaderTransitions: 7 })) });
    expect(released.only('updateLock').record.leaderTransitions).toBe(8);

    const expired = new Script();
    expired.feed(0, { type: 'START' });
    expired.feed(0, { type: 'LOCK_READ', snapshot: lockAt('7', record('b', { leaderTransitions: 7 })) });
    expired.feed(16_000, { type: 'TIMER_FIRED', timer: 'retry' });
    expired.feed(16_000, { type: 'LOCK_READ', snapshot: lockAt('7', record('b', { leaderTransitions: 7 })) });
    expect(expired.only('updateLock').record.leaderTransitions).toBe(8);
  });

  it('is the same for a record that still names this candidate: a restart takes it back at once', () => {
    const m = new Script();
    m.feed(0, { type: 'START' });
    const own = record('a', { leaderTransitions: 7 });
    m.feed(0, { type: 'LOCK_READ', snapshot: lockAt('7', own) });
    const update = m.only('updateLock');
    expect(update.record).toMatchObject({ holderIdentity: 'a', leaderTransitions: 7 });
    expect(update.record.acquireTime).toEqual(own.acquireTime);
  });

  it('is the same after a loss nobody acted on: the second leadership has the term of the first', () => {
    const m = new Script();
    const first = m.lead(0, '1');
    const term = first.record.leaderTransitions;
    // No renewal gets through before the deadline: leadership is lost; the record still names this candidate.
    m.feed(10_001, { type: 'TIMER_FIRED', timer: 'deadline' });
    expect(m.state).toBe('follower');
    expect(m.effects).toContainEqual({ type: 'notify', event: 'stoppedLeading', reason: 'lost' });
    // Its next read shows its own record, unchanged: it takes it back at once, in the same term.
    m.feed(20_000, { type: 'TIMER_FIRED', timer: 'retry' });
    expect(m.effects).toContainEqual({ type: 'readLock' });
    m.feed(20_000, { type: 'LOCK_READ', snapshot: first });
    const update = m.only('updateLock');
    expect(update.record).toMatchObject({ holderIdentity: 'a', leaderTransitions: term });
    m.feed(20_000, { type: 'LOCK_WRITTEN', snapshot: lockAt('2', update.record) });
    expect(m.state).toBe('leader');
  });
});
