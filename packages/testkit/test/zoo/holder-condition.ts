/**
 * Bug: a conditional put on the holder. The update's condition is "the stored holder is still the holder of
 * the record I read", as one writes a DynamoDB condition on `holderIdentity`, instead of the version. Once
 * the holder renews, a follower that read an older version still passes the condition: its stale
 * compare-and-swap applies.
 */
import { type LeaderElectionRecord, type LockSnapshot, parseRecord, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class HolderConditionLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    const readHolder = this.last === undefined ? undefined : parseRecord(this.last.value).holderIdentity;
    try {
      return this.snapshot(
        await this.store.put(KEY, stringifyRecord(record), (current) =>
          current === undefined
            ? false
            : readHolder === undefined
              ? current.version === expectedVersion
              : parseRecord(current.value).holderIdentity === readHolder,
        ),
      );
    } catch (err) {
      throw await this.refusedUpdate(err);
    }
  }
}

export const store = kvBackend((store, identity) => new HolderConditionLock(store, identity));
