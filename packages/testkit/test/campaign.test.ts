/**
 * Staying in the race and stepping aside (issue 16): `campaign()` keeps a candidate contending across a
 * loss, a handover and a step-down, and `onStoppedLeading` says which it was; `stepDown(coolDown)`
 * releases at once and keeps out of the race for the cool-down. Over the in-memory lock on a manual clock.
 */
import { ElectionStateError, type StoppedReason } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { expect, it } from 'vitest';
import { advance } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

function candidate(store: MemoryLockStore, clock: ManualClock, id: string, log: string[]) {
  return memoryElection(store, clock, id, {
    onStartedLeading: () => {
      log.push(`${id} started`);
    },
    onStoppedLeading: (reason: StoppedReason) => {
      log.push(`${id} stopped: ${reason}`);
    },
  });
}

it('campaign() stays in the race across a loss, a handover and a step-down; the reason tells them apart', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const log: string[] = [];
  const a = candidate(store, clock, 'a', log);
  const b = candidate(store, clock, 'b', log);
  const aDone = a.campaign();
  await advance(clock, 100);
  const bDone = b.campaign();
  await advance(clock, 5_000);
  expect(a.isLeader()).toBe(true);

  // A loss: a is cut off from the store; its lease lapses, b takes over; a stays a candidate.
  store.setFaults((request) => (request.identity === 'a' ? { fail: 'Unavailable' } : {}));
  await advance(clock, 40_000);
  store.setFaults(undefined);
  await advance(clock, 5_000);
  expect(b.isLeader()).toBe(true);
  expect(a.state).toBe('follower');

  // A handover back to a.
  expect(await b.handover('a')).toBe(true);
  await advance(clock, 100);
  expect(a.isLeader()).toBe(true);
  expect(b.state).toBe('follower');

  // a steps down for 30 s: it releases, b takes over at once, a keeps out until the cool-down ends.
  const stepped = a.stepDown(30);
  await advance(clock, 100);
  expect(await stepped).toBe(true);
  expect(b.isLeader()).toBe(true);
  expect(a.state).toBe('stopped');
  await advance(clock, 29_000);
  expect(a.state).toBe('stopped');
  await advance(clock, 2_000);
  expect(a.state).toBe('follower');

  // stop() ends the election: campaign() resolves; a leader's reason is 'stopped'.
  const stops = Promise.all([a.stop(), b.stop()]);
  await advance(clock, 1_000);
  await stops;
  await Promise.all([aDone, bDone]);
  expect(log).toEqual([
    'a started',
    'a stopped: lost',
    'b started',
    'b stopped: handedOver',
    'a started',
    'a stopped: steppedDown',
    'b started',
    'b stopped: stopped',
  ]);
});

it('under run(), a step-down ends the election like any loss: no rejoin after the cool-down', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const log: string[] = [];
  const a = candidate(store, clock, 'a', log);
  const ran = a.run();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  const stepped = a.stepDown(1);
  await advance(clock, 100);
  expect(await stepped).toBe(true);
  await ran;
  await advance(clock, 5_000);
  expect(a.state).toBe('stopped');
  expect(log).toEqual(['a started', 'a stopped: steppedDown']);
  await expect(a.stepDown(-1)).rejects.toThrow(TypeError);
  expect(await a.stepDown()).toBe(false);
});

it('a second run() or campaign() is refused from the statechart: its lifecycle records the one in progress', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const a = candidate(store, clock, 'a', []);
  const inputs: string[] = [];
  a.subscribe((info) => inputs.push(info.input.type));
  const done = a.campaign();
  expect(a.snapshot.context.lifecycle.owner).toBe('campaign');
  await expect(a.run()).rejects.toThrow(ElectionStateError);
  await expect(a.campaign()).rejects.toThrow(
    'run() or campaign() is already in progress on this LeaderElection',
  );
  const stopping = a.stop();
  await advance(clock, 1_000);
  await stopping;
  await done;
  expect(a.snapshot.context.lifecycle.owner).toBeNull();
  // Once campaign() has returned, run() may own the election.
  const ran = a.run();
  expect(a.snapshot.context.lifecycle.owner).toBe('run');
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  const stopped = a.stop();
  await advance(clock, 1_000);
  await Promise.all([stopped, ran]);
  expect(inputs.filter((t) => t === 'RUN' || t === 'RUN_ENDED')).toEqual([
    'RUN',
    'RUN_ENDED',
    'RUN',
    'RUN_ENDED',
  ]);
});

it('stop() while leading: the leader keeps renewing until its work has stopped, then releases', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const log: string[] = [];
  let finish!: () => void;
  const a = memoryElection(store, clock, 'a', {
    onStartedLeading: (signal) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => log.push(`aborted: ${(signal.reason as Error).message}`));
        finish = resolve;
      }),
    onStoppedLeading: (reason) => {
      log.push(`stopped: ${reason}`);
    },
  });
  const steps: string[] = [];
  a.subscribe((info) => steps.push(`${info.input.type} ${info.from}->${info.to}`));
  void a.campaign();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  const stopped = a.stop();
  await advance(clock, 30_000); // longer than a lease: the leader renews throughout
  expect(a.isLeader()).toBe(true);
  expect(a.snapshot.context.lifecycle.pending).toMatchObject({ kind: 'stop' });
  expect(log).toEqual(['aborted: leader election stopped']);
  finish();
  await advance(clock, 1_000);
  await stopped;
  expect(a.state).toBe('stopped');
  expect(log).toEqual(['aborted: leader election stopped', 'stopped: stopped']);
  expect(steps).toContain('STOP leader->leader');
  expect(steps).toContain('WORK_STOPPED leader->releasing');
  expect(store.peek('app')?.record.holderIdentity).toBe('');
});

it('a step-down under campaign() cools down in the statechart: stopped with the coolDown timer, the watch kept', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  const a = candidate(store, clock, 'a', []);
  const b = candidate(store, clock, 'b', []);
  const timers: string[] = [];
  a.subscribe((info) => {
    for (const e of info.effects)
      if (e.type === 'startTimer' && e.timer === 'coolDown') timers.push(`${e.timer} ${e.ms}`);
  });
  const aDone = a.campaign();
  await advance(clock, 100);
  const bDone = b.campaign();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  const stepped = a.stepDown(20);
  await advance(clock, 100);
  expect(await stepped).toBe(true);
  expect(timers).toEqual(['coolDown 20000']);
  expect(a.state).toBe('stopped');
  expect(a.snapshot.context.lifecycle.coolingDown).toBe(true);
  // The watch stays open through the cool-down: a's view follows b's takeover without a request.
  await advance(clock, 2_000);
  expect(a.leader).toBe('b');
  expect(a.snapshot.context.watchLive).toBe(true);
  await advance(clock, 19_000);
  expect(a.state).toBe('follower');
  expect(a.snapshot.context.lifecycle.coolingDown).toBe(false);
  const stops = Promise.all([a.stop(), b.stop()]);
  await advance(clock, 1_000);
  await Promise.all([stops, aDone, bDone]);
});

it('stop() while a handover waits for the work: the handover is written first, then the election stops', async () => {
  const clock = new ManualClock();
  const store = new MemoryLockStore({ clock });
  let finish!: () => void;
  const a = memoryElection(store, clock, 'a', {
    onStartedLeading: () =>
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
  });
  const steps: string[] = [];
  a.subscribe((info) => steps.push(`${info.input.type} ${info.from}->${info.to}`));
  void a.acquire();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  const handedOver = a.handover('b');
  const stopped = a.stop();
  await advance(clock, 5_000);
  expect(a.isLeader()).toBe(true); // the work has not stopped yet: still leading
  finish();
  await advance(clock, 1_000);
  await Promise.all([handedOver, stopped]);
  expect(a.state).toBe('stopped');
  expect(store.peek('app')?.record.holderIdentity).toBe('b');
  // The statechart queues the stop behind the handover (`stopQueued`): the driver sends it at once, and the
  // written handover carries it out.
  expect(
    steps.filter((s) => !s.startsWith('LOCK') && !s.startsWith('TIMER') && !s.startsWith('WATCH')),
  ).toEqual([
    'START stopped->follower',
    'HANDOVER leader->leader',
    'STOP leader->leader',
    'WORK_STOPPED leader->handingOver',
  ]);
  expect(steps).toContain('LOCK_WRITTEN handingOver->stopped');
});
