/**
 * Bug: a create that overwrites. `create` is a plain put ("put creates the item or replaces it"), without the
 * condition that the item be absent. Two candidates that both read "no lock yet" both succeed.
 */
import { type LeaderElectionRecord, type LockSnapshot, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class CreateOverwritesLock extends KvLock {
  override async create(record: LeaderElectionRecord): Promise<LockSnapshot> {
    return this.snapshot(await this.store.put(KEY, stringifyRecord(record)));
  }
}

export const store = kvBackend((store, identity) => new CreateOverwritesLock(store, identity));
