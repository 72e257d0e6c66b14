/**
 * Coordinated mode (issue 16) over the in-memory lock on a manual clock, with a stand-in for the API
 * server's controller writing the record by hand (as the real one writes the Lease): candidates never take
 * a lock nobody named them in, however long it stays free or expired; the one named takes it with its own
 * write; when the controller names another preferred holder, the leader yields to it at once (work first),
 * and the term moves on each time. The real controller: packages/lease/test/coordinated.test.ts.
 */
import type { LeaderElection, LeaderElectionRecord, StoppedReason } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { expect, it } from 'vitest';
import { advance } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

it('follows the holder the controller names and yields at once to its preferred holder', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const log: string[] = [];
  const elections = ['a', 'b', 'c'].map((id) =>
    memoryElection(store, clock, id, {
      coordinated: true,
      onStartedLeading: async (signal) => {
        log.push(`${id} started`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        log.push(`${id} work done`);
      },
      onStoppedLeading: (reason: StoppedReason) => {
        log.push(`${id} stopped: ${reason}`);
      },
    }),
  );
  const [a, b, c] = elections as [LeaderElection, LeaderElection, LeaderElection];
  const campaigns = elections.map((e) => e.campaign());
  const controller = (over: Partial<LeaderElectionRecord>) => {
    const current = store.peek('app')?.record;
    const now = clock.wallNow();
    store.put('app', {
      holderIdentity: '',
      leaseDurationSeconds: 15,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: (current?.leaderTransitions ?? -1) + 1,
      strategy: 'OldestEmulationVersion',
      ...over,
    });
  };

  // No record, then a free one, then an expired one: nobody takes what the controller has not assigned.
  await advance(clock, 20_000);
  controller({ holderIdentity: '' });
  await advance(clock, 20_000);
  controller({ holderIdentity: 'gone' });
  await advance(clock, 40_000);
  expect(elections.filter((e) => e.isLeader())).toHaveLength(0);

  // The controller names b: b takes it at once with its own write.
  controller({ holderIdentity: 'b' });
  await advance(clock, 100);
  expect(b.isLeader()).toBe(true);
  const term = store.peek('app')?.record.leaderTransitions ?? -1;

  // A better candidate appears: the controller marks c preferred; b's work stops, then it hands over.
  const current = store.peek('app')?.record;
  store.put('app', { ...(current as LeaderElectionRecord), preferredHolder: 'c' });
  await advance(clock, 100);
  expect(c.isLeader()).toBe(true);
  expect(b.isLeader()).toBe(false);
  expect(a.isLeader()).toBe(false);
  const held = store.peek('app')?.record;
  expect(held).toMatchObject({ holderIdentity: 'c', leaderTransitions: term + 1 });
  expect(held?.preferredHolder ?? '').toBe(''); // the handover cleared it, as the controller would
  await advance(clock, 60_000);
  expect(c.isLeader()).toBe(true);
  expect(log).toEqual(['b started', 'b work done', 'b stopped: handedOver', 'c started']);

  for (const e of elections) void e.stop();
  await advance(clock, 5_000);
  await Promise.all(campaigns);
});
