/**
 * The election the many-elections benchmarks run (scale.ts, election-heap.ts, startup-sockets.ts): one
 * candidate on `lock`, client-go's timings (15 s, 10 s, 2 s), callbacks that do nothing, not yet started.
 */
import { type Clock, ElectionConfig, LeaderElection, type Lock, systemClock } from '@leasehold/core';

/**
 * A prototype for bench/scale.ts --renew-jitter F (issue 25, not in the library): the system clock, except
 * that a timer of exactly one retry period (2 s: the leader's renew timer; the follower's retry timers are
 * jittered already) is shortened by up to F of it, at random, each time. Renewing early is safe (the deadline
 * counts from the send); it spreads renewals that a stall bunched together instead of keeping them in phase.
 */
export function renewJitterClock(fraction: number, steps = 0, slotMs = 0): Clock {
  // `steps` > 0: the cut is one of `steps` values only (0, 1/steps, ... of F), so the timers share a few
  // durations (Node keeps one timer list per duration) instead of one each.
  const cut = () =>
    steps > 0 ? (fraction * Math.floor(Math.random() * steps)) / steps : fraction * Math.random();
  // `slotMs` > 0: the cut renew timer is moved on to the next multiple of slotMs on the monotonic clock, so
  // the renewals go out in small batches (about N * slotMs / 2 s each) rather than one by one.
  const renewIn = (ms: number) => {
    const cutMs = ms * (1 - cut());
    if (slotMs <= 0) return cutMs;
    const now = systemClock.now();
    return Math.ceil((now + cutMs) / slotMs) * slotMs - now;
  };
  return {
    ...systemClock,
    setTimer: (ms, fn) => systemClock.setTimer(ms === 2000 ? renewIn(ms) : ms, fn),
  };
}

export function benchElection(lock: Lock, clock?: Clock): LeaderElection {
  return new LeaderElection(
    new ElectionConfig({
      lock,
      ...(clock ? { clock } : {}),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: () => {},
    }),
  );
}
