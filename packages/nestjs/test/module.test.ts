/**
 * LeaseholdModule on the memory lock: three Nest applications in one process, as three replicas. One leads;
 * only its @OnLeadership work runs; closing it aborts the work's signal, waits for the work, releases the
 * lease, and another replica takes over before the lease could have run out.
 */
import { MemoryLockStore } from '@leasehold/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { LeadershipService } from '../src/index.ts';
import { type Event, LOCK, replica, TIMINGS, until } from './fixtures.ts';

type Replica = Awaited<ReturnType<typeof replica>>;

describe('LeaseholdModule', () => {
  const open: Replica[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.app.close()));
  });

  async function three(store: MemoryLockStore, events: Event[]): Promise<Replica[]> {
    const replicas = await Promise.all(['a', 'b', 'c'].map((id) => replica(store, id, events)));
    open.push(...replicas);
    return replicas;
  }
  const leading = (replicas: Replica[]) => replicas.filter((r) => r.app.get(LeadershipService).isLeader());

  it('one leader of three: only its work runs, with a live signal', async () => {
    const store = new MemoryLockStore();
    const events: Event[] = [];
    const replicas = await three(store, events);
    await until(() => leading(replicas).length > 0, 10_000, 'a leader');
    // Watched for a few renewals: never two leaders, never a second worker.
    for (let i = 0; i < 20; i += 1) {
      expect(leading(replicas)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [leader] = leading(replicas);
    expect(events.map((e) => e.text)).toEqual([`${leader!.worker.identity} started`]);
    expect(leader!.worker.signal?.aborted).toBe(false);
    for (const r of replicas) {
      const service = r.app.get(LeadershipService);
      expect(service.leader).toBe(leader!.worker.identity);
      if (r !== leader) expect(r.worker.signal).toBeNull();
    }
    expect(store.peek(LOCK)?.record.holderIdentity).toBe(leader!.worker.identity);
  });

  it('closing the leader aborts its work, waits for it, releases, and another takes over at once', async () => {
    const store = new MemoryLockStore();
    const events: Event[] = [];
    const replicas = await three(store, events);
    await until(() => leading(replicas).length === 1, 10_000, 'a leader');
    const [old] = leading(replicas);
    const closedAt = Date.now();
    await old!.app.close();
    open.splice(open.indexOf(old!), 1);
    const id = old!.worker.identity;
    expect(old!.worker.signal?.aborted).toBe(true);
    expect(old!.app.get(LeadershipService).isLeader()).toBe(false);

    await until(() => leading(open).length === 1, 10_000, 'the next leader');
    const next = leading(open)[0]!;
    const texts = events.map((e) => e.text);
    // The old work aborted, finished, then its end hook ran, all before the next leader's work started.
    expect(texts.slice(0, 5)).toEqual([
      `${id} started`,
      `${id} aborted`,
      `${id} finished`,
      `${id} ended stopped`,
      `${next.worker.identity} started`,
    ]);
    // Released, not expired: the old leader renewed every 0.2 s until it released, so without the release
    // its 2 s lease would run out no sooner than 1.8 s after app.close() was called.
    const startedAt = events[4]!.at;
    console.log(`memory lock handover after app.close(): ${startedAt - closedAt} ms (work takes 150 ms)`);
    expect(startedAt - closedAt).toBeLessThan((TIMINGS.leaseDuration - TIMINGS.retryPeriod) * 1000);
    expect(next.worker.term).toBe(old!.worker.term + 1);
  });

  it('the last replica closing leaves the lock released (an empty holder)', async () => {
    const store = new MemoryLockStore();
    const events: Event[] = [];
    const only = await replica(store, 'solo', events);
    open.push(only);
    await until(() => only.app.get(LeadershipService).isLeader(), 10_000, 'solo leads');
    await open.splice(0)[0]!.app.close();
    expect(store.peek(LOCK)?.record.holderIdentity).toBe('');
    expect(events.map((e) => e.text)).toEqual([
      'solo started',
      'solo aborted',
      'solo finished',
      'solo ended stopped',
    ]);
  });
});
