/**
 * Bug: a failure swallowed. When a write fails for any reason but a failed condition (the store is
 * unavailable, the answer timed out), the lock answers the snapshot it last read, as if the write had gone
 * through without changing anything ("keep the leader running through a blip"). The elector then believes it
 * renewed a record that was never written, or takes for its own a version someone else may already have
 * replaced.
 */
import { type LeaderElectionRecord, type LockSnapshot, parseRecord } from '@leasehold/core';
import { KvLock, kvBackend } from './kv-lock.ts';
import { ConditionFailed } from './kv-store.ts';

class SwallowedFailureLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    try {
      return this.snapshot(await this.putOnVersion(record, expectedVersion));
    } catch (err) {
      const last = this.last;
      if (!(err instanceof ConditionFailed) && last !== undefined)
        return { record: parseRecord(last.value), version: last.version, raw: last };
      throw await this.refusedUpdate(err);
    }
  }
}

export const store = kvBackend((store, identity) => new SwallowedFailureLock(store, identity));
