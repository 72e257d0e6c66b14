/**
 * The memory store's fault injection around any `Lock`: the same `FaultPlan`s, carried out the same way
 * (`runPlanned`), but for a backend of yours, typically an in-process model of your store. The simulator
 * in `@leasehold/testkit` runs user backends through this, so they meet the latency, errors, lost answers,
 * conflicts and watch delays the in-memory store meets.
 */
import type { Clock, LeaderElectionRecord, Lock, LockCallOptions, LockSnapshot } from '@leasehold/core';
import { type FaultInjector, type MemoryOp, runPlanned } from './faults.ts';

/** How `withFaults` disturbs a lock. */
export interface WithFaultsOptions {
  /** The clock delays run on (the simulator's virtual clock). */
  readonly clock: Clock;
  /** Decides each request's fate; `name` in the request is the lock's `describe()`. */
  readonly faults: FaultInjector;
  /**
   * Another handle on the same lock object, used as the phantom writer of `conflict` plans: it rewrites the
   * current record unchanged, which bumps the version on backends that version every write. Without it,
   * `conflict` plans do nothing.
   */
  readonly phantom?: Lock;
  /** Delay of each watch notification (ms), drawn per notification; notifications keep their order. */
  readonly watchDelayMs?: () => number;
  /** Counts requests that reached the backend, by operation (shared by all handles given the same object). */
  readonly counts?: Record<MemoryOp, number>;
}

/** `lock` with injected faults; see `WithFaultsOptions`. */
export function withFaults(lock: Lock, options: WithFaultsOptions): Lock {
  const { clock, faults, phantom, counts } = options;
  const later = (ms: number, fn: () => void) => {
    clock.setTimer(ms, fn);
  };
  const call = <T>(op: MemoryOp, callOptions: LockCallOptions | undefined, apply: () => Promise<T>) =>
    runPlanned(
      faults({ op, name: lock.describe(), identity: lock.identity }) ?? {},
      op,
      { later, describe: lock.describe(), signal: callOptions?.signal },
      () => {
        if (counts) counts[op] += 1;
        return apply();
      },
      async () => {
        const current = await phantom?.get().catch(() => null);
        if (phantom && current) await phantom.update(current.record, current.version).catch(() => {});
      },
    );
  const wrapped: Lock = {
    identity: lock.identity,
    describe: () => lock.describe(),
    get: (o?: LockCallOptions) => call('get', o, () => lock.get(o)),
    create: (record: LeaderElectionRecord, o?: LockCallOptions) =>
      call('create', o, () => lock.create(record, o)),
    update: (record: LeaderElectionRecord, version: string, o?: LockCallOptions) =>
      call('update', o, () => lock.update(record, version, o)),
  };
  if (lock.watch) {
    const watch = lock.watch.bind(lock);
    wrapped.watch = (onChange, onHealth, onError) => {
      let due = 0; // a notification is never delivered before the one before it
      return watch(
        (snapshot: LockSnapshot | null) => {
          due = Math.max(due, clock.now() + (options.watchDelayMs?.() ?? 0));
          later(due - clock.now(), () => onChange(snapshot));
        },
        onHealth,
        onError,
      );
    };
  }
  return wrapped;
}
