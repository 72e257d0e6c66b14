/**
 * Records planted by someone else, over the in-memory lock on a manual clock (docs/guide.md "Bad records
 * and misconfiguration"): a term past int32, a nested or oversized value, an unknown strategy are
 * `Malformed` (never `Unavailable`, never overwritten), and a takeover at the maximum term is refused
 * rather than writing such a term; `strategy` and `preferredHolder` are written only in
 * coordinated mode, so a planted value is cleared by the next write instead of rewritten every period.
 */
import { isLockError, type LeaderElectionRecord } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import { advance, advanceUntil } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

const planted = (clock: ManualClock, over: Partial<LeaderElectionRecord>): LeaderElectionRecord => ({
  holderIdentity: '',
  leaseDurationSeconds: 1,
  acquireTime: clock.wallNow(),
  renewTime: clock.wallNow(),
  leaderTransitions: 7,
  strategy: 'OldestEmulationVersion',
  preferredHolder: `planted-${'p'.repeat(1_000)}`,
  ...over,
});

describe('malformed through the lock', () => {
  it.each([
    [
      'a term past int32',
      '{"holderIdentity":"x","leaseDurationSeconds":15,"leaderTransitions":2147483648}',
      /leaderTransitions is 2147483648/,
    ],
    [
      'a term past 2^53',
      '{"holderIdentity":"x","leaseDurationSeconds":15,"leaderTransitions":9007199254740993}',
      /leaderTransitions must be a non-negative integer/,
    ],
    [
      'a value nested 100,000 deep',
      `{"leaderTransitions":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      /the record is 200022 characters long/,
    ],
    [
      'a value nested 4,000 deep',
      `{"renewTime":${'['.repeat(4_000)}${']'.repeat(4_000)}}`,
      /renewTime must be an RFC 3339 string or null, got an array of 1 items/,
    ],
    [
      'an unknown strategy',
      '{"holderIdentity":"x","leaseDurationSeconds":15,"strategy":"Mine"}',
      /strategy "Mine" is not a coordinated-election strategy/,
    ],
    [
      'a 200 KB preferredHolder',
      `{"strategy":"OldestEmulationVersion","preferredHolder":"${'p'.repeat(200_000)}"}`,
      /the record is \d+ characters long/,
    ],
    [
      'a 2 KB preferredHolder',
      `{"strategy":"OldestEmulationVersion","preferredHolder":"${'p'.repeat(2_000)}"}`,
      /preferredHolder is 2000 characters long/,
    ],
  ])('%s is Malformed naming the field, with a short message', async (_, text, message) => {
    const store = new MemoryLockStore();
    store.corrupt('app', text);
    const err = await store
      .lock('app', 'a')
      .get()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isLockError(err, 'Malformed')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message.length).toBeLessThan(400);
  });

  it('a candidate never overwrites such a record, and takes the lock once it is fixed', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const errors: unknown[] = [];
    const a = memoryElection(store, clock, 'a', { onError: (e) => errors.push(e) });
    store.corrupt('app', '{"holderIdentity":"x","leaseDurationSeconds":15,"leaderTransitions":2147483648}');
    void a.acquire();
    await advance(clock, 60_000);
    expect(a.isLeader()).toBe(false);
    expect(store.counts.update + store.counts.create).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(
      errors.every((e) => isLockError(e, 'Malformed') || isLockError((e as Error).cause, 'Malformed')),
    ).toBe(true);
    store.put('app', planted(clock, { leaderTransitions: 2_147_483_646, preferredHolder: '' }));
    expect(await advanceUntil(clock, () => a.isLeader(), 60_000)).toBe(true);
    expect(store.peek('app')?.record.leaderTransitions).toBe(2_147_483_647);
    await a.stop();
  });

  it('a takeover at the maximum term is refused, never writing a term no reader accepts', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const errors: unknown[] = [];
    store.put(
      'app',
      planted(clock, { holderIdentity: 'gone', leaseDurationSeconds: 15, leaderTransitions: 2_147_483_647 }),
    );
    const b = memoryElection(store, clock, 'b', { onError: (e) => errors.push(e) });
    void b.acquire();
    await advance(clock, 60_000); // the planted lease expires at 15 s: b tries to take over for 45 s
    expect(b.isLeader()).toBe(false);
    expect(store.counts.update + store.counts.create).toBe(0);
    // The record is still readable (a read would throw Malformed on 2^31), still at the maximum.
    const stored = await store.lock('app', 'reader').get();
    expect(stored?.record).toMatchObject({ holderIdentity: 'gone', leaderTransitions: 2_147_483_647 });
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      // The reporter wraps a lock failure with the request it failed (the LockError is its cause).
      const lockError = isLockError(e) ? e : (e as Error).cause;
      expect(isLockError(lockError, 'Malformed')).toBe(true);
      expect((lockError as Error).message).toMatch(
        /leaderTransitions 2147483648: the term at its maximum is 2147483647/,
      );
    }
    await b.stop();
  });
});

describe('coordinated fields', () => {
  it('not coordinated: a planted strategy and preferredHolder are written absent, on taking over and on every renewal and handover', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    store.put('app', planted(clock, {}));
    const a = memoryElection(store, clock, 'a');
    void a.acquire();
    expect(await advanceUntil(clock, () => a.isLeader(), 10_000)).toBe(true);
    const taken = store.peek('app')?.record;
    expect(taken).toMatchObject({ holderIdentity: 'a', leaderTransitions: 8 });
    expect(taken?.strategy).toBeUndefined();
    expect(taken?.preferredHolder).toBeUndefined();
    await advance(clock, 10_000); // renewals
    expect(store.counts.update).toBeGreaterThanOrEqual(5);
    expect(store.peek('app')?.record.preferredHolder).toBeUndefined();

    // Taking over from an expired holder whose record carries them: written absent too.
    const b = memoryElection(store, clock, 'b');
    await a.stop();
    store.put('app', planted(clock, { holderIdentity: 'gone', leaseDurationSeconds: 15 }));
    void b.acquire();
    expect(await advanceUntil(clock, () => b.isLeader(), 60_000)).toBe(true);
    expect(store.peek('app')?.record.strategy).toBeUndefined();
    expect(store.peek('app')?.record.preferredHolder).toBeUndefined();
    expect(await b.handover('c')).toBe(true);
    expect(store.peek('app')?.record).toMatchObject({ holderIdentity: 'c' });
    expect(store.peek('app')?.record.strategy).toBeUndefined();
    await b.stop();
  });

  it('coordinated: the strategy the controller set is carried over on renewals and a handover', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    store.put('app', planted(clock, { holderIdentity: 'a', leaseDurationSeconds: 15, preferredHolder: '' }));
    const a = memoryElection(store, clock, 'a', { coordinated: true });
    void a.acquire();
    expect(await advanceUntil(clock, () => a.isLeader(), 10_000)).toBe(true);
    await advance(clock, 10_000);
    expect(store.peek('app')?.record).toMatchObject({
      holderIdentity: 'a',
      strategy: 'OldestEmulationVersion',
    });
    expect(await a.handover('c')).toBe(true);
    expect(store.peek('app')?.record).toMatchObject({
      holderIdentity: 'c',
      strategy: 'OldestEmulationVersion',
    });
    await a.stop();
  });
});
