/**
 * How the driver reports failures (docs/guide.md "Errors"): once per failure, coalesced when repeated, a
 * recovery line when requests succeed again; and duplicate identities, end to end over the memory lock.
 */
import {
  DuplicateIdentityError,
  ElectionConfig,
  type ElectionConfigOptions,
  LeaderElection,
  LockRecovered,
  RepeatedFailure,
} from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { describe, expect, it } from 'vitest';
import { advance, advanceUntil } from '../src/time.ts';

function candidate(
  store: MemoryLockStore,
  clock: ManualClock,
  id: string,
  over: Partial<ElectionConfigOptions> = {},
) {
  const errors: unknown[] = [];
  const requests: number[] = [];
  const election = new LeaderElection(
    new ElectionConfig({
      lock: store.lock('app', id),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      clock,
      seed: 7,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: (err) => errors.push(err),
      ...over,
    }),
    {
      onTransition: (info) => {
        for (const e of info.effects)
          if (e.type === 'readLock' || e.type === 'createLock' || e.type === 'updateLock')
            requests.push(clock.now());
      },
    },
  );
  return { election, errors, requests };
}

describe('error reports', () => {
  it('a request that times out is reported once, not again when its late rejection arrives', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    // The request waits 5 s in the store, so the 1 s timeout fires first and aborts it; the abort then
    // rejects the request's promise too.
    store.setFaults(() => ({ requestDelayMs: 5_000 }));
    const a = candidate(store, clock, 'a', { requestTimeout: 1 });
    void a.election.acquire();
    await advance(clock, 1_500);
    expect(a.errors.map(String)).toEqual(['LockError: Unavailable: MemoryLock app: no answer within 1s']);
    await a.election.stop();
  });

  it('an outage of instant refusals: a bounded request rate, one report, counts, then one recovery', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const a = candidate(store, clock, 'a');
    store.setFaults(() => ({ fail: 'Unavailable' })); // refused at once, every time
    void a.election.acquire();
    await advance(clock, 60_000);
    // Requests: never two within a retry period of each other.
    const gaps = a.requests.slice(1).map((t, i) => t - a.requests[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2_000);
    expect(a.requests.length).toBeLessThanOrEqual(60_000 / 2_000 + 1);
    console.log(
      `instant refusals for 60 s: ${a.requests.length} requests, gaps ${gaps.map((g) => Math.round(g)).join(' ')} ms`,
    );
    // Reports: the first failure as itself, then only counts, at most one per 10 s.
    expect(String(a.errors[0])).toMatch(/Unavailable: MemoryLock app: injected fault/);
    const counts = a.errors.slice(1);
    expect(counts.every((e) => e instanceof RepeatedFailure)).toBe(true);
    expect(counts.length).toBeLessThanOrEqual(6);
    const reported = 1 + counts.reduce((n: number, e) => n + (e as RepeatedFailure).count, 0);
    expect(reported).toBeLessThanOrEqual(a.requests.length);

    store.setFaults(undefined);
    expect(await advanceUntil(clock, () => a.election.isLeader(), 30_000)).toBe(true);
    const recovered = a.errors.filter((e) => e instanceof LockRecovered) as LockRecovered[];
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.failures).toBe(a.requests.length - 2); // all but the read and create that succeeded
    expect(String(recovered[0])).toMatch(/recovered after \d+ failed requests over \d+\.\ds/);
    await a.election.stop();
  });

  it('two candidates with one identity: one steps down, reports DuplicateIdentity, and they do not take turns', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const first = candidate(store, clock, 'twin');
    void first.election.acquire();
    expect(await advanceUntil(clock, () => first.election.isLeader(), 5_000)).toBe(true);
    // The misconfigured second replica starts (out of step with the first: two processes never write in
    // the same millisecond); the lock names its identity, so it retakes it at once.
    await advance(clock, 333);
    const second = candidate(store, clock, 'twin', { seed: 8 });
    const changes: string[] = [];
    for (const [name, c] of [
      ['first', first],
      ['second', second],
    ] as const) {
      const el = c.election;
      let leading = el.isLeader();
      const watchState = () => {
        if (el.isLeader() !== leading) {
          leading = el.isLeader();
          changes.push(`${name}:${leading ? 'leads' : 'follows'}`);
        }
      };
      clock.setTimer(0, function tick() {
        watchState();
        clock.setTimer(100, tick);
      });
    }
    void second.election.acquire();
    await advance(clock, 120_000);
    const reports = [...first.errors, ...second.errors].filter((e) => e instanceof DuplicateIdentityError);
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(String(reports[0])).toMatch(/another candidate uses the same identity/);
    // After the detection, exactly one of them leads for the rest of the run: no ping-pong.
    expect([first.election.isLeader(), second.election.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(changes.length).toBeLessThanOrEqual(2);
    console.log(`duplicate identity: leadership changes ${changes.join(', ')}`);
    await first.election.stop();
    await second.election.stop();
  });
});
