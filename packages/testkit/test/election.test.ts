import { ElectionConfig, type ElectionConfigOptions, LeaderElection } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it, vi } from 'vitest';
import { advance, advanceUntil, settle } from '../src/time.ts';

function candidate(
  store: MemoryLockStore,
  clock: ManualClock,
  id: string,
  over: Partial<ElectionConfigOptions> = {},
) {
  const events: string[] = [];
  const errors: unknown[] = [];
  const config = new ElectionConfig({
    lock: store.lock('app', id),
    leaseDuration: 15,
    renewDeadline: 10,
    retryPeriod: 2,
    clock,
    seed: id.charCodeAt(0),
    onStartedLeading: () => {
      events.push('started');
    },
    onStoppedLeading: () => {
      events.push('stopped');
    },
    onNewLeader: (leader) => events.push(`leader:${leader}`),
    onError: (err) => errors.push(err),
    ...over,
  });
  return { election: new LeaderElection(config), events, errors };
}

describe('LeaderElection over the in-memory lock', () => {
  it('elects exactly one of three and keeps it while it renews', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const cs = ['a', 'b', 'c'].map((id) => candidate(store, clock, id));
    for (const c of cs) void c.election.acquire();
    await advance(clock, 60_000);
    expect(cs.filter((c) => c.election.isLeader())).toHaveLength(1);
    const leader = cs.find((c) => c.election.isLeader())!;
    expect(cs.map((c) => c.election.leader)).toEqual([
      leader.election.config.identity,
      leader.election.config.identity,
      leader.election.config.identity,
    ]);
    expect(leader.events).toContain('started');
    expect(store.peek('app')?.record.leaderTransitions).toBe(0);
    // The leader renews once per retry period with a single write (no read first).
    const before = { ...store.counts };
    await advance(clock, 20_000);
    expect(store.counts.update - before.update).toBeGreaterThanOrEqual(9);
    for (const c of cs) await c.election.stop();
  });

  it('fails over after the leader dies, within leaseDuration + a jittered retry, and the token grows', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const a = candidate(store, clock, 'a');
    await a.election.acquire();
    expect(a.election.isLeader()).toBe(true);
    const b = candidate(store, clock, 'b');
    void b.election.acquire();
    await advance(clock, 5_000);
    expect(b.election.isLeader()).toBe(false);

    // Kill a: every request it makes from now on fails, as for a dead or partitioned process.
    store.setFaults((req) => (req.identity === 'a' ? { fail: 'Unavailable' } : undefined));
    const killedAt = clock.now();
    expect(await advanceUntil(clock, () => b.election.isLeader(), 60_000)).toBe(true);
    expect(clock.now() - killedAt).toBeLessThanOrEqual(15_000 + 2_000 * 2.2 + 2_000);
    expect(a.election.isLeader()).toBe(false);
    expect(a.events).toEqual(['leader:a', 'started', 'stopped']);
    expect(store.peek('app')?.record).toMatchObject({ holderIdentity: 'b', leaderTransitions: 1 });
    await a.election.stop();
    await b.election.stop();
  });

  it('stop() drains leader work while renewing, releases, and the next candidate takes over at once', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    let workEnded = -1;
    const a = candidate(store, clock, 'a', {
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            // The work needs 3 s to wind down after the abort; the lease must stay ours meanwhile.
            clock.setTimer(3_000, () => {
              workEnded = clock.now();
              resolve();
            });
          });
        }),
    });
    await a.election.acquire();
    const b = candidate(store, clock, 'b');
    void b.election.acquire();
    await advance(clock, 3_000);

    const stopped = a.election.stop();
    await advance(clock, 2_900);
    expect(store.peek('app')?.record.holderIdentity).toBe('a');
    await advance(clock, 200);
    await stopped;
    expect(workEnded).toBeGreaterThan(0);
    expect(a.events.at(-1)).toBe('stopped');
    // The release reached b through the lock's watch: a's term (6 s) was shorter than the 15 s lease, so no
    // candidate can be newer than it and b left no slot to one (rule 9): b took the lock at the release.
    expect(b.election.isLeader()).toBe(true);
    const wallAt = (t: number) => clock.wallNow().getTime() - (clock.now() - t);
    expect(store.peek('app')?.record.acquireTime?.getTime()).toBe(wallAt(workEnded));
    expect(store.peek('app')?.record).toMatchObject({ holderIdentity: 'b', leaderTransitions: 1 });
    await b.election.stop();
  });

  it('run() returns after leadership is lost, having called both callbacks once', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const a = candidate(store, clock, 'a');
    const done = vi.fn();
    void a.election.run().then(done);
    await advance(clock, 1_000);
    expect(a.election.isLeader()).toBe(true);
    store.setFaults(() => ({ fail: 'Unavailable' }));
    await advance(clock, 11_000);
    expect(done).toHaveBeenCalledOnce();
    expect(a.election.state).toBe('stopped');
    expect(a.events.filter((e) => e === 'started' || e === 'stopped')).toEqual(['started', 'stopped']);
  });

  it('reports a throwing callback and keeps leading', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const a = candidate(store, clock, 'a', {
      onStartedLeading: () => {
        throw new Error('boom');
      },
    });
    await a.election.acquire();
    await advance(clock, 30_000);
    expect(a.election.isLeader()).toBe(true);
    expect(a.errors.map(String)).toContain('Error: boom');
    await a.election.stop();
  });

  it('tryAcquireOrRenew makes one attempt and answers whether it leads', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    expect(await a.election.tryAcquireOrRenew()).toBe(true);
    expect(await b.election.tryAcquireOrRenew()).toBe(false);
    const version = store.peek('app')!.version;
    expect(await a.election.tryAcquireOrRenew()).toBe(true);
    expect(store.peek('app')!.version).not.toBe(version);
    await a.election.stop();
    await b.election.stop();
  });

  it('the AbortSignal option stops the election and releases', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const controller = new AbortController();
    const config = new ElectionConfig({
      lock: store.lock('app', 'a'),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      clock,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    });
    const election = new LeaderElection(config, { signal: controller.signal });
    await election.acquire();
    controller.abort();
    await advanceUntil(clock, () => election.state === 'stopped', 5_000);
    await settle();
    expect(store.peek('app')?.record.holderIdentity).toBe('');
  });

  it('a request that never answers counts as Unavailable after requestTimeout', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const a = candidate(store, clock, 'a', { requestTimeout: 1 });
    store.setFaults(() => ({ dropResponse: true }));
    void a.election.acquire();
    await advance(clock, 1_500);
    expect(a.errors.map(String).join()).toMatch(/Unavailable: MemoryLock app: no answer within 1s/);
    // The create did apply: the lock names a, and a (not knowing) re-reads and carries on as holder.
    store.setFaults(undefined);
    expect(await advanceUntil(clock, () => a.election.isLeader(), 10_000)).toBe(true);
    await a.election.stop();
  });

  it('does not overwrite a malformed record, and reports it', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    store.corrupt('app', '{"holderIdentity": 42');
    const a = candidate(store, clock, 'a');
    void a.election.acquire();
    await advance(clock, 30_000);
    expect(a.election.isLeader()).toBe(false);
    expect(store.peek.bind(store, 'app')).toThrow(/Malformed/);
    expect(a.errors.map(String).join()).toMatch(/Malformed: MemoryLock app/);
    await a.election.stop();
  });
});
