/**
 * A store without a clock delivers its watch notices in one timer turn, in the order they were made. A
 * watcher that throws loses nothing for the others: the rest of that turn's notices come on the next turn,
 * before the notices the throwing watcher's own write queued, so every watcher hears the versions in order.
 */
import type { LeaderElectionRecord } from '@leasehold/core';
import { afterEach, expect, it, vi } from 'vitest';
import { MemoryLockStore } from '../src/index.ts';

const record = (holderIdentity: string): LeaderElectionRecord => ({
  holderIdentity,
  leaseDurationSeconds: 15,
  acquireTime: new Date('2026-01-01T00:00:00Z'),
  renewTime: new Date('2026-01-01T00:00:00Z'),
  leaderTransitions: 0,
});

afterEach(() => {
  vi.useRealTimers();
});

it('a watcher that throws: the others still hear every version, in order', () => {
  vi.useFakeTimers();
  const store = new MemoryLockStore();
  let first = true;
  // The first watcher writes (synchronously, as `put` does) while it hears "a", then throws.
  store.watch('n', () => {
    if (!first) return;
    first = false;
    store.put('n', record('b'));
    throw new Error('a watcher with a bug');
  });
  const heard: (string | null)[] = [];
  store.watch('n', (snapshot) => heard.push(snapshot?.record.holderIdentity ?? null));

  store.put('n', record('a'));
  expect(() => vi.runOnlyPendingTimers()).toThrow('a watcher with a bug');
  vi.runAllTimers();
  expect(heard).toEqual(['a', 'b']);
});
