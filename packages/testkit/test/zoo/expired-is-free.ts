/**
 * Bug: an expired record is free anyway. Once the stored lease has run out by this machine's clock, the
 * update writes whatever `expectedVersion` says ("nobody holds it, so no need to compare"). A holder that
 * renews late, or a second contender that saw the same expiry, is overwritten.
 */
import { type LeaderElectionRecord, type LockSnapshot, parseRecord, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class ExpiredIsFreeLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    const expired = (value: string) => {
      const stored = parseRecord(value);
      if (stored.renewTime === null) return true;
      return (
        stored.renewTime.getTime() + stored.leaseDurationSeconds * 1000 < this.clock!.wallNow().getTime()
      );
    };
    try {
      return this.snapshot(
        await this.store.put(
          KEY,
          stringifyRecord(record),
          (current) =>
            current !== undefined && (current.version === expectedVersion || expired(current.value)),
        ),
      );
    } catch (err) {
      throw await this.refusedUpdate(err);
    }
  }
}

export const store = kvBackend((store, identity, clock) => new ExpiredIsFreeLock(store, identity, clock));
