/**
 * Bug: a read cache that is never invalidated. `get` answers the item this handle last read or wrote, and
 * goes to the store only when it has none. Its own writes refresh it; nobody else's do.
 */
import { type LockSnapshot, parseRecord } from '@leasehold/core';
import { KvLock, kvBackend } from './kv-lock.ts';

class StaleCacheLock extends KvLock {
  override async get(): Promise<LockSnapshot | null> {
    if (this.last !== undefined)
      return { record: parseRecord(this.last.value), version: this.last.version, raw: this.last };
    return super.get();
  }
}

export const store = kvBackend((store, identity) => new StaleCacheLock(store, identity));
