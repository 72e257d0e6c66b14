/**
 * Bug: a lost update on retry after a timeout. The lock gives the store 4 ms per put (the store answers
 * within 2 x 3 ms); on a timeout it reads the item and, unless its own record is there, puts again on the
 * version now stored, "since the first attempt was probably lost". The first attempt may still land, and the
 * retry overwrites whatever another candidate wrote meanwhile.
 */
import { type LeaderElectionRecord, type LockSnapshot, stringifyRecord } from '@leasehold/core';
import { KEY, KvLock, kvBackend } from './kv-lock.ts';
import { ConditionFailed, type Item } from './kv-store.ts';

const TIMEOUT_MS = 4;

class RetryAfterTimeoutLock extends KvLock {
  override async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    const value = stringifyRecord(record);
    const attempt = this.store.put(KEY, value, (current) => current?.version === expectedVersion);
    let first: Item | 'timeout';
    try {
      first = await this.#within(attempt);
    } catch (err) {
      throw await this.refusedUpdate(err);
    }
    if (first !== 'timeout') return this.snapshot(first);
    attempt.catch(() => {}); // abandoned
    const now = await this.store.get(KEY);
    if (now === undefined) throw await this.refusedUpdate(new ConditionFailed('the item is gone'));
    if (now.value === value) return this.snapshot(now);
    try {
      return this.snapshot(await this.store.put(KEY, value, (current) => current?.version === now.version));
    } catch (err) {
      throw await this.refusedUpdate(err);
    }
  }

  #within(call: Promise<Item>): Promise<Item | 'timeout'> {
    return new Promise((resolve, reject) => {
      const timer = this.clock!.setTimer(TIMEOUT_MS, () => resolve('timeout'));
      call.then(
        (item) => {
          this.clock!.clearTimer(timer);
          resolve(item);
        },
        (err: unknown) => {
          this.clock!.clearTimer(timer);
          reject(err);
        },
      );
    });
  }
}

export const store = kvBackend(
  (store, identity, clock) => new RetryAfterTimeoutLock(store, identity, clock),
  {
    latencyMaxMs: 3,
  },
);
