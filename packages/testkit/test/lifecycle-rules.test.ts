/**
 * The three lifecycle rules the statechart took over from the driver (issue 24), seen through the public
 * API over the in-memory lock on a manual clock: under `run()` the end of a leadership ends the election
 * (`runEndsOnLoss`), a stop asked during a pending handover goes after it (`stopQueued`), and the lock's
 * watch opens and closes as the statechart says (`openWatch`, `closeWatch`). The transcripts show the same
 * rules step by step (run-ends-on-loss.txt, stop-after-handover.txt, watch-lifecycle.txt).
 */
import type { Lock, StoppedReason, TransitionInfo } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { expect, it } from 'vitest';
import { advance } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

/** Each step as `INPUT from->to`, with the watch effects it emitted. */
function stepLog(info: TransitionInfo): string {
  const watch = info.effects.filter((e) => e.type === 'openWatch' || e.type === 'closeWatch');
  return [`${info.input.type} ${info.from}->${info.to}`, ...watch.map((e) => e.type)].join(' ');
}

/** A step that made the candidate a follower from another state. */
const intoFollower = (s: string) => / (stopped|leader|handingOver|releasing)->follower/.test(s);

it('under run(), a loss ends the election at once: a free lock does not win it a second term while its work drains', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const log: string[] = [];
  let finish!: () => void;
  const a = memoryElection(store, clock, 'a', {
    // Work that ignores its signal: run() waits for it after the loss.
    onStartedLeading: () => {
      log.push('started');
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    onStoppedLeading: (reason: StoppedReason) => {
      log.push(`stopped: ${reason}`);
    },
  });
  const steps: string[] = [];
  a.subscribe((info) => steps.push(stepLog(info)));
  let returned = false;
  const ran = a.run().then(() => {
    returned = true;
  });
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  // Someone else empties the lock: a loss for a, and a free lock any follower would take at once.
  const current = store.peek('app');
  if (current === null) throw new Error('no lock');
  const released = { ...current.record, holderIdentity: '' };
  await store.lock('app', 'z').update(released, current.version);
  await advance(clock, 20_000);
  // The election ended with the leadership: no second term while run() waits for the work.
  expect(a.state).toBe('stopped');
  expect(returned).toBe(false);
  expect(store.peek('app')?.record.holderIdentity).toBe('');
  expect(log).toEqual(['started', 'stopped: lost']);
  expect(steps.filter(intoFollower)).toEqual(['START stopped->follower openWatch']);
  expect(steps).toContain('LOCK_CHANGED leader->stopped closeWatch');
  finish();
  await advance(clock, 100);
  await ran;
  expect(returned).toBe(true);
});

it('under run(), a handover ends the election when its record is written, without following first', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const a = memoryElection(store, clock, 'a');
  const steps: string[] = [];
  a.subscribe((info) => steps.push(stepLog(info)));
  const ran = a.run();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  const handedOver = a.handover('b');
  await advance(clock, 100);
  expect(await handedOver).toBe(true);
  expect(a.state).toBe('stopped');
  expect(store.peek('app')?.record.holderIdentity).toBe('b');
  expect(steps.filter(intoFollower)).toEqual(['START stopped->follower openWatch']);
  expect(steps).toContain('LOCK_WRITTEN handingOver->stopped closeWatch');
  await ran;
});

it('stop() during a pending handover with releaseOnCancel: the handover is written, nothing released over it', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  let finish!: () => void;
  const a = memoryElection(store, clock, 'a', {
    releaseOnCancel: true,
    onStartedLeading: () =>
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
  });
  const campaigned = a.campaign();
  await advance(clock, 1_000);
  const handedOver = a.handover('b');
  const stopped = a.stop();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true); // the work has not stopped: still leading, the stop queued
  expect(a.snapshot.context.lifecycle.stopAfterHandover).toEqual({ release: true, reason: 'stopped' });
  finish();
  await advance(clock, 100);
  expect(await handedOver).toBe(true);
  await Promise.all([stopped, campaigned]);
  expect(a.state).toBe('stopped');
  expect(store.peek('app')?.record.holderIdentity).toBe('b');
  expect(a.snapshot.context.lifecycle.stopAfterHandover).toBeNull();
});

it('the watch opens on the START that begins an election, stays open through a cool-down, and closes when it ends', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const watches = { opened: 0, closed: 0 };
  const memory = store.lock('app', 'a');
  const lock: Lock = {
    identity: memory.identity,
    describe: () => memory.describe(),
    get: (options) => memory.get(options),
    create: (record, options) => memory.create(record, options),
    update: (record, version, options) => memory.update(record, version, options),
    watch: (onChange, onHealth) => {
      watches.opened++;
      const close = memory.watch(onChange, onHealth);
      return () => {
        watches.closed++;
        close();
      };
    },
  };
  const a = memoryElection(store, clock, 'a', { lock });
  const inputs: string[] = [];
  a.subscribe((info) =>
    inputs.push(`${info.input.type}${'live' in info.input ? ` ${info.input.live}` : ''}`),
  );
  const campaigned = a.campaign();
  await advance(clock, 1_000);
  expect(watches).toEqual({ opened: 1, closed: 0 });
  expect(a.snapshot.context.watchLive).toBe(true);
  const stepped = a.stepDown(5);
  await advance(clock, 100);
  expect(await stepped).toBe(true);
  expect(a.snapshot.context.lifecycle.coolingDown).toBe(true);
  expect(watches).toEqual({ opened: 1, closed: 0 }); // the election goes on: the watch stays open
  await advance(clock, 6_000);
  expect(a.isLeader()).toBe(true); // rejoined on the same watch
  expect(watches).toEqual({ opened: 1, closed: 0 });
  const stopped = a.stop();
  await advance(clock, 100);
  await Promise.all([stopped, campaigned]);
  expect(watches).toEqual({ opened: 1, closed: 1 });
  // Closed by the statechart's own effect: no longer live, and no WATCH_HEALTH input invented for it.
  expect(a.snapshot.context.watchLive).toBe(false);
  expect(inputs.filter((i) => i === 'WATCH_HEALTH false')).toEqual([]);
  // A stop in an election that has ended is a no-op; a new start opens the watch again.
  await a.stop();
  expect(watches).toEqual({ opened: 1, closed: 1 });
  void a.acquire();
  await advance(clock, 1_000);
  expect(watches).toEqual({ opened: 2, closed: 1 });
  const again = a.stop();
  await advance(clock, 100);
  await again;
  expect(watches).toEqual({ opened: 2, closed: 2 });
});
