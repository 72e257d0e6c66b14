/**
 * Bug: a torn read. `get` fetches the record and then, in a second call, the item's version (a data call
 * and a metadata call, as some stores split them). A write landing between the two pairs the new version with
 * the old record: the elector then compares-and-swaps against a version whose record it never saw. The store
 * answers after up to 5 ms, so the two calls can be split.
 */
import { type LockSnapshot, parseRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';

class TornReadLock extends KvLock {
  override async get(): Promise<LockSnapshot | null> {
    const data = await this.store.get(KEY);
    if (data === undefined) return null;
    const metadata = await this.store.get(KEY);
    const item = { value: data.value, version: (metadata ?? data).version };
    this.last = item;
    return { record: parseRecord(item.value), version: item.version, raw: item };
  }
}

export const store = kvBackend((store, identity) => new TornReadLock(store, identity), { latencyMaxMs: 5 });
