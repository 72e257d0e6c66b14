/**
 * Bug: an error mapped to the wrong kind. Every failure of a store call is reported as `Conflict` ("someone
 * else got there first"), the store's timeouts included. `Conflict` promises that nothing was written; a put
 * whose answer timed out may have applied. Only faults inside the lock show it.
 */
import { LockError } from '@leasehold/core';
import { KvLock, kvBackend } from './kv-lock.ts';

class ErrorAsConflictLock extends KvLock {
  protected override refused(err: unknown, what: string): LockError {
    return new LockError('Conflict', this.describe(), `${what}: ${String(err)}`, { cause: err });
  }
}

export const store = kvBackend((store, identity) => new ErrorAsConflictLock(store, identity));
