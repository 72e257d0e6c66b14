/**
 * Bug: a retry that repeats a write. The lock sends each conditional put through a generic retry helper (up
 * to three attempts on any store error), as one does for idempotent reads. A put whose answer timed out had
 * applied; its repetition then fails its own condition (the version moved, by that very write), and the lock
 * reports `Conflict` for a write that stands.
 */
import { type LeaderElectionRecord, type LockSnapshot, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';
import { ConditionFailed } from './kv-store.ts';

const ATTEMPTS = 3;

async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ConditionFailed || attempt >= ATTEMPTS) throw err;
    }
  }
}

class RetryRepeatsWriteLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    const value = stringifyRecord(record);
    try {
      return this.snapshot(
        await withRetries(() =>
          this.store.put(KEY, value, (current) => current?.version === expectedVersion),
        ),
      );
    } catch (err) {
      throw await this.refusedUpdate(err);
    }
  }
}

export const store = kvBackend((store, identity) => new RetryRepeatsWriteLock(store, identity));
