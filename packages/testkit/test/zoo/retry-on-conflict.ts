/**
 * Bug: a "helpful" retry. When the conditional put fails, the lock reads the item and tries once more on the
 * version now stored, to ride out a concurrent touch. Whatever the other writer wrote is lost: a stale
 * compare-and-swap that succeeds.
 */
import { isLockError, type LeaderElectionRecord, type LockSnapshot, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class RetryOnConflictLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    try {
      return await super.update(record, expectedVersion);
    } catch (err) {
      if (!isLockError(err, 'Conflict')) throw err;
      const now = await this.store.get(KEY);
      if (now === undefined) throw err;
      try {
        return this.snapshot(
          await this.store.put(KEY, stringifyRecord(record), (current) => current?.version === now.version),
        );
      } catch (again) {
        throw await this.refusedUpdate(again);
      }
    }
  }
}

export const store = kvBackend((store, identity) => new RetryOnConflictLock(store, identity));
