/**
 * Callbacks that throw (docs/guide.md "Errors"): a listener, `onNewLeader`, `onStartedLeading`,
 * `onStoppedLeading` or `onError` that throws or returns a rejected promise is contained (no unhandled
 * rejection; later listeners still get every event), reported once then counted, and the election goes on.
 */
import { RepeatedFailure, type TransitionInfo } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advance, advanceUntil } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets rejections nobody handled surface (Node reports them after the microtask queue drains). */
const drain = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('callbacks that throw', () => {
  it('listeners and onNewLeader: contained, later listeners get every event, reported once then counted', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const reports: { error: unknown; context: string }[] = [];
    const election = memoryElection(store, clock, 'a', {
      onError: (error, context) => reports.push({ error, context }),
      onNewLeader: async () => {
        throw new Error('onNewLeader broke');
      },
    });
    const first: string[] = [];
    const last: string[] = [];
    const describe = (info: TransitionInfo) => `${info.input.type} ${info.from}->${info.to}`;
    election.subscribe((info) => first.push(describe(info)));
    election.subscribe(() => {
      throw new Error('listener broke');
    });
    election.subscribe((async () => {
      throw new Error('async listener broke');
    }) as (info: TransitionInfo) => void);
    election.subscribe((info) => last.push(describe(info)));

    void election.acquire();
    expect(await advanceUntil(clock, () => election.isLeader(), 10_000)).toBe(true);
    await advance(clock, 60_000);
    await drain();

    // The election goes on: leading and renewing every retry period.
    expect(election.isLeader()).toBe(true);
    expect(store.counts.update).toBeGreaterThanOrEqual(25);
    // The last listener saw every event the first did, in order.
    expect(last.length).toBeGreaterThan(25);
    expect(last).toEqual(first);
    // Nothing escaped as an unhandled rejection.
    expect(unhandled).toEqual([]);
    // Each failure reported once as itself, then only as counts (at most one per 10 s each).
    const firsts = reports.filter((r) => !(r.error instanceof RepeatedFailure));
    expect(firsts.map((r) => `${r.context}: ${(r.error as Error).message}`).sort()).toEqual([
      'a transition listener threw: async listener broke',
      'a transition listener threw: listener broke',
      'onNewLeader threw: onNewLeader broke',
    ]);
    const counts = reports.filter((r) => r.error instanceof RepeatedFailure);
    expect(counts.length).toBeLessThanOrEqual(2 * 7);
    await election.stop();
  });

  it('onStartedLeading and onStoppedLeading: reported once each, the leader keeps renewing and campaigns on', async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const reports: { error: unknown; context: string }[] = [];
    let started = 0;
    const election = memoryElection(store, clock, 'a', {
      onError: (error, context) => reports.push({ error, context }),
      onStartedLeading: () => {
        started += 1;
        throw new Error('work broke');
      },
      onStoppedLeading: async () => {
        throw new Error('cleanup broke');
      },
    });
    const campaign = election.campaign();
    expect(await advanceUntil(clock, () => election.isLeader(), 10_000)).toBe(true);
    await advance(clock, 30_000);
    expect(election.isLeader()).toBe(true); // still leading, still renewing
    expect(await election.stepDown(5)).toBe(true);
    expect(await advanceUntil(clock, () => election.isLeader(), 30_000)).toBe(true); // campaigned on
    expect(started).toBe(2);
    await drain();
    expect(unhandled).toEqual([]);
    // Each reported once as itself; the second onStartedLeading failure comes as a count.
    const contexts = reports.filter((r) => !(r.error instanceof RepeatedFailure)).map((r) => r.context);
    expect(contexts.filter((c) => c === 'onStartedLeading threw')).toHaveLength(1);
    const repeated = reports.filter((r) => r.error instanceof RepeatedFailure);
    expect(repeated.map((r) => [r.context, (r.error as RepeatedFailure).count])).toEqual([
      ['onStartedLeading threw', 1],
    ]);
    expect(contexts.filter((c) => c === 'onStoppedLeading threw')).toHaveLength(1);
    await election.stop();
    await campaign;
    await drain();
    expect(unhandled).toEqual([]);
  });

  it('an onError that throws (or rejects): the console gets it once, the election goes on', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const clock = new ManualClock();
      const store = new MemoryLockStore({ clock });
      let calls = 0;
      const election = memoryElection(store, clock, 'a', {
        onError: async () => {
          calls += 1;
          throw new Error('onError broke');
        },
      });
      election.subscribe(() => {
        throw new Error(`listener broke at ${clock.now()}`);
      });
      void election.acquire();
      expect(await advanceUntil(clock, () => election.isLeader(), 10_000)).toBe(true);
      await advance(clock, 60_000);
      await drain();
      expect(election.isLeader()).toBe(true);
      expect(calls).toBeGreaterThan(1);
      expect(unhandled).toEqual([]);
      const lines = spy.mock.calls.map((c) => String(c[0]));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[leasehold\] onError threw .*onError broke/s);
      await election.stop();
    } finally {
      spy.mockRestore();
    }
  });
});
