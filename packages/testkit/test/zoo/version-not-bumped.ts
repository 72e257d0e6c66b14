/**
 * Bug: renewals keep the version. To save a version per renewal, an update by the current holder rewrites
 * the item in place under the version it had. Followers see one version for longer than a lease, take the
 * lock with a compare-and-swap on it, and succeed while the holder is still renewing.
 */
import { type LeaderElectionRecord, type LockSnapshot, parseRecord, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class VersionNotBumpedLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    const current = await this.store.get(KEY);
    if (
      current?.version === expectedVersion &&
      parseRecord(current.value).holderIdentity === record.holderIdentity
    ) {
      return this.snapshot(this.store.overwrite(KEY, stringifyRecord(record), current.version));
    }
    return super.update(record, expectedVersion);
  }
}

export const store = kvBackend((store, identity) => new VersionNotBumpedLock(store, identity));
