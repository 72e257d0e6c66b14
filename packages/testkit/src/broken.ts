/**
 * Deliberately broken variants, kept to prove that the simulator's checker and the conformance suite can
 * fail. Never use them for anything else.
 */
import {
  type Clock,
  isLockError,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  type LockSnapshot,
} from '@leasehold/core';

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
