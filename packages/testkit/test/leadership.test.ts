/**
 * The term a leader holds (issue 16): `onStartedLeading` receives the fencing token and a guard; the guard
 * passes while this candidate leads in that term and throws `LeadershipLostError`, saying why, once it does
 * not: after a handover, after its lease lapsed on its own clock (a leader cut off from the store), after a
 * stop. Over the in-memory lock on a manual clock.
 */
import { type Leadership, LeadershipLostError } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { expect, it } from 'vitest';
import { advance } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

function candidate(store: MemoryLockStore, clock: ManualClock, id: string, held: Leadership[]) {
  return memoryElection(store, clock, id, {
    onStartedLeading: (_signal, leadership) => {
      held.push(leadership);
    },
  });
}

const reasonOf = (l: Leadership) => {
  try {
    l.check();
    return 'current';
  } catch (err) {
    expect(err).toBeInstanceOf(LeadershipLostError);
    return (err as LeadershipLostError).reason;
  }
};

it('the term is the record that made the leader; the guard holds while it leads and names what ended it', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const held: Leadership[] = [];
  const a = candidate(store, clock, 'a', held);
  const b = candidate(store, clock, 'b', held);
  void a.acquire();
  await advance(clock, 100);
  void b.acquire();
  await advance(clock, 5_000);
  const first = held[0]!;
  expect(first).toMatchObject({ identity: 'a', term: 0, version: expect.any(String) });
  expect(first.isCurrent()).toBe(true);
  expect(reasonOf(first)).toBe('current');
  // Renewals keep the term.
  await advance(clock, 20_000);
  expect(store.peek('app')?.record.leaderTransitions).toBe(first.term);
  expect(first.isCurrent()).toBe(true);

  // A handover ends it; b's term is the next one.
  const handed = a.handover('b');
  await advance(clock, 100);
  expect(await handed).toBe(true);
  expect(reasonOf(first)).toBe('leadership ended');
  const second = held[1]!;
  expect(second).toMatchObject({ identity: 'b', term: first.term + 1 });
  expect(second.version).not.toBe(first.version);
  expect(second.isCurrent()).toBe(true);

  // Cut b off from the store: its renewals fail, and once the lease lapses on its clock the guard refuses.
  store.setFaults(() => ({ fail: 'Unavailable' }));
  await advance(clock, 10_500);
  expect(second.isCurrent()).toBe(false);
  expect(reasonOf(second)).toMatch(/leadership ended|no longer valid/);
  store.setFaults(undefined);
  await a.stop();
  await b.stop();
});
