/**
 * Safe, unusual (WARN): stale on error. When a read fails (the store unavailable, or slow to answer), `get`
 * answers the item this handle read or wrote within the last 250 ms instead, as a cache serving stale on
 * error does. Reads may then lag the writes, by a bounded time; every write is still an exact
 * compare-and-swap. The election tolerates it: a contender acting on an old record is refused, and a
 * follower sees an expiry at most that much later. The verdict is WARN, with that cost.
 */
import { type LockSnapshot, parseRecord } from '@leasehold/core';
import { KvLock, kvBackend } from './kv-lock.ts';
import type { Item } from './kv-store.ts';

const STALE_FOR_MS = 250;

class StaleOnErrorLock extends KvLock {
  #cached: { item: Item; at: number } | undefined;

  override async get(): Promise<LockSnapshot | null> {
    try {
      const snapshot = await super.get();
      return snapshot;
    } catch (err) {
      const cached = this.#cached;
      if (cached === undefined || this.clock!.now() - cached.at > STALE_FOR_MS) throw err;
      return { record: parseRecord(cached.item.value), version: cached.item.version, raw: cached.item };
    }
  }

  protected override snapshot(item: Item): LockSnapshot {
    this.#cached = { item, at: this.clock!.now() };
    return super.snapshot(item);
  }
}

export const store = kvBackend((store, identity, clock) => new StaleOnErrorLock(store, identity, clock));
