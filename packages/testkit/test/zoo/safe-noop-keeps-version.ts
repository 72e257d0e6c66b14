/**
 * Safe, unusual: writing the very record stored is a no-op that keeps the version (the Kubernetes API server
 * does this), still on condition that the expected version is current.
 */
import { type LeaderElectionRecord, type LockSnapshot, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class NoopKeepsVersionLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    const value = stringifyRecord(record);
    const current = await this.store.get(KEY);
    // Answered from the read: the no-op takes effect when the read does.
    if (current?.version === expectedVersion && current.value === value) return this.snapshot(current);
    return super.update(record, expectedVersion);
  }
}

export const store = kvBackend((store, identity) => new NoopKeepsVersionLock(store, identity));
