/**
 * Deliberately broken variants, kept to prove that the simulator's checker and the conformance suite can
 * fail. Never use them for anything else.
 */
import {
  type Clock,
  electionMachine,
  isLockError,
  jittered,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  type LockSnapshot,
  leaseExpiry,
} from '@leasehold/core';
import { enqueueActions } from 'xstate';

/**
 * The election machine with the retry rule before rule 7 (docs/guide.md), swapped in with XState's
 * `provide()`: after a failed request, retry after a jittered retry period cut short at the observed lease's
 * expiry, which is 0 ms once that has passed; no back-off, no floor. With requests that fail at once, a
 * follower retries as fast as they fail. `LeaderElectionOptions.machine` for variant 'eager-retry'.
 */
export const eagerRetryMachine = electionMachine.provide({
  actions: {
    backOff: enqueueActions(({ context, event, enqueue }) => {
      const [jitteredMs, rng] = jittered(
        context.timing.retryPeriodMs,
        context.timing.jitterFactor,
        context.rng,
      );
      const expiry = leaseExpiry(context);
      const ms = expiry === undefined ? jitteredMs : Math.min(jitteredMs, Math.max(0, expiry - event.at));
      enqueue.assign({ rng });
      enqueue({ type: 'effect', params: { type: 'startTimer', timer: 'retry', ms } });
    }),
  },
});

/** A lock whose update ignores the expected version: last writer wins, like a plain patch. */
export function withoutCompareAndSwap(inner: Lock): Lock {
  return {
    identity: inner.identity,
    describe: () => `${inner.describe()} (no CAS)`,
    get: (options?: LockCallOptions) => inner.get(options),
    create: (record, options?: LockCallOptions) => inner.create(record, options),
    update: async (record, _expectedVersion, options?: LockCallOptions) => {
      const current = await inner.get(options);
      if (current === null) return inner.create(record, options);
      return inner.update(record, current.version, options);
    },
    ...(inner.watch ? { watch: inner.watch.bind(inner) } : {}),
  };
}

/**
 * Makes the real elector trust the remote clock: a record whose renewTime + leaseDuration lies in the past of
 * this machine's wall clock is shown as released, so the elector takes it at once. With wall clocks that
 * disagree, this is exactly client-go's first, unsafe design.
 */
export function trustingRemoteRenewTime(inner: Lock, clock: Clock): Lock {
  const expiredAsFree = (snapshot: LockSnapshot | null): LockSnapshot | null => {
    if (snapshot === null) return null;
    const { record } = snapshot;
    if (
      record.holderIdentity === '' ||
      record.holderIdentity === inner.identity ||
      record.renewTime === null
    ) {
      return snapshot;
    }
    const expiresAt = record.renewTime.getTime() + record.leaseDurationSeconds * 1000;
    return expiresAt < clock.wallNow().getTime()
      ? { ...snapshot, record: { ...record, holderIdentity: '' } }
      : snapshot;
  };
  return {
    identity: inner.identity,
    describe: () => `${inner.describe()} (trusts remote renewTime)`,
    get: async (options?: LockCallOptions) => expiredAsFree(await inner.get(options)),
    create: (record, options?: LockCallOptions) => inner.create(record, options),
    update: (record, expectedVersion, options?: LockCallOptions) =>
      inner.update(record, expectedVersion, options),
    ...(inner.watch
      ? {
          watch: (onChange: (s: LockSnapshot | null) => void, onHealth?: (live: boolean) => void) =>
            inner.watch!((s) => onChange(expiredAsFree(s)), onHealth),
        }
      : {}),
  };
}

/**
 * The election machine counting a leader's validity from the write's *answer* instead of its sending (the
 * mistake rule 3 forbids): the acquiring write and each renewal set the deadline renewDeadline after the
 * answer arrived, so a slow answer stretches leadership by its latency. `variant: 'validity-from-answer'`.
 * Its own deadline arithmetic is consistent, so only a check that takes the send time from the store sees it.
 */
/**
 * The machine's own actions, to run after a variant's change. XState types a provided action by the
 * machine's action names, not as a bare action function, hence the casts where they are enqueued.
 */
const original = electionMachine.implementations.actions;
export const validityFromAnswerMachine = electionMachine.provide({
  actions: {
    becomeLeader: enqueueActions(({ context, event, enqueue }) => {
      if (context.op !== null) enqueue.assign({ op: { ...context.op, sentAt: event.at } });
      enqueue(original.becomeLeader as never);
    }),
    extendLease: enqueueActions(({ context, event, enqueue }) => {
      if (context.op !== null) enqueue.assign({ op: { ...context.op, sentAt: event.at } });
      enqueue(original.extendLease as never);
    }),
  },
});

/**
 * A lock whose client retries a failed request at once, up to three times, before giving up: the
 * statechart sends one request and sees one failure, but the store receives four requests in a burst, the
 * flood rule 7 forbids. `variant: 'retrying-client'`.
 */
export function retryingClient(inner: Lock): Lock {
  const retried =
    <A extends unknown[], T>(call: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call(...args);
        } catch (err) {
          if (attempt >= 4 || !isLockError(err, 'Unavailable')) throw err;
        }
      }
    };
  return {
    identity: inner.identity,
    describe: () => `${inner.describe()} (retrying client)`,
    get: retried((options?: LockCallOptions) => inner.get(options)),
    create: retried((record: LeaderElectionRecord, options?: LockCallOptions) =>
      inner.create(record, options),
    ),
    update: retried((record: LeaderElectionRecord, expectedVersion: string, options?: LockCallOptions) =>
      inner.update(record, expectedVersion, options),
    ),
    ...(inner.watch ? { watch: inner.watch.bind(inner) } : {}),
  };
}

/**
 * The election machine reporting a duplicate identity only when its watch shows the twin's write: a twin
 * found by a read (after a renewal's conflict) still makes it step down, silently. `variant:
 * 'twin-unreported-on-read'`. Most runs still report, so only a per-run check sees the silent ones.
 */
export const twinUnreportedOnReadMachine = electionMachine.provide({
  actions: {
    reportTwin: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'LOCK_READ') enqueue.assign({ duplicate: true });
      else enqueue(original.reportTwin as never);
    }),
  },
});
