/**
 * Bug: a timeout taken as a lost lock. When the store does not answer a conditional put in time, the lock
 * reports `NotFound` ("the lock must be gone"), so the elector starts over with a create. But a timeout is
 * not a refusal: the put may have applied, and then the elector's write stands while its caller was told it
 * did not. Only faults inside the lock (a store call that applies, then times out) show it.
 */
import { type LeaderElectionRecord, LockError, type LockSnapshot } from '@leasehold/core';
import { KvLock, kvBackend } from './kv-lock.ts';
import { RequestTimeout } from './kv-store.ts';

class TimeoutAsNotFoundLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    try {
      return this.snapshot(await this.putOnVersion(record, expectedVersion));
    } catch (err) {
      if (err instanceof RequestTimeout)
        throw new LockError('NotFound', this.describe(), `update: ${err.message}: the lock is gone`);
      throw await this.refusedUpdate(err);
    }
  }
}

export const store = kvBackend((store, identity) => new TimeoutAsNotFoundLock(store, identity));
