/**
 * What the store side of a simulated run saw: every call that got past a candidate's network (partitions
 * and refusals stop a request before it), when it arrived at the lock object and when its answer left
 * (an answer, contention included, or an error). The checker judges the send times and request rates on
 * this log rather than on what the candidate's state machine believed it did, so a driver or lock that
 * sends more than its statechart asked for, or counts a lease from the wrong moment, is seen.
 */
import { isLockError, type Lock, type LockCallOptions, type LockSnapshot } from '@leasehold/core';
import { isContention } from '@leasehold/core/internal';

/** One point of a call's life at the store boundary, in true ms. */
export interface StoreLogEntry {
  /** True ms. */
  readonly t: number;
  /** The handle's identity (the candidate's, `c0`, ...). */
  readonly handle: string;
  /** The call's index in the log's calls (a `received` entry and its answer share it). */
  readonly call: number;
  /** `received`: the call arrived; `answered`: a result or contention went back; `failed`: an error did. */
  readonly what: 'received' | 'answered' | 'failed';
  /** The operation. */
  readonly op: 'get' | 'create' | 'update';
  /** For an answered write: the version the store gave it. */
  readonly version?: string;
}

/** `lock`, logging each call made through it under `handle` into `log`, timed on `now`. */
export function logStoreCalls(lock: Lock, handle: string, log: StoreLogEntry[], now: () => number): Lock {
  let calls = 0;
  const through = <T extends LockSnapshot | null>(
    op: StoreLogEntry['op'],
    call: () => Promise<T>,
  ): Promise<T> => {
    const index = calls++;
    log.push({ t: now(), handle, call: index, what: 'received', op });
    const promise = call();
    promise.then(
      (snapshot) =>
        log.push({
          t: now(),
          handle,
          call: index,
          what: 'answered',
          op,
          ...(snapshot && op !== 'get' ? { version: snapshot.version } : {}),
        }),
      (err: unknown) => {
        // Contention is the store's answer (rule 4), not a failure: the same rule the driver applies.
        const answered = isLockError(err) && isContention(err.kind, op === 'get' ? 'read' : op);
        log.push({ t: now(), handle, call: index, what: answered ? 'answered' : 'failed', op });
      },
    );
    return promise;
  };
  const wrapped: Lock = {
    identity: lock.identity,
    describe: () => lock.describe(),
    get: (o?: LockCallOptions) => through('get', () => lock.get(o)),
    create: (record, o?: LockCallOptions) => through('create', () => lock.create(record, o)),
    update: (record, expectedVersion, o?: LockCallOptions) =>
      through('update', () => lock.update(record, expectedVersion, o)),
  };
  if (lock.watch) wrapped.watch = lock.watch.bind(lock);
  return wrapped;
}
