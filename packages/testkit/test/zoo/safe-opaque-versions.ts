/**
 * Safe, unusual: versions are opaque random tokens (an ETag), with no order at all. The elector only compares
 * them for equality.
 */
import { KvLock, kvBackend } from './kv-lock.ts';

export const store = kvBackend((store, identity) => new KvLock(store, identity), {
  nextVersion: (counter, random) =>
    `"${Math.floor(random.next() * 2 ** 32).toString(16)}g${counter.toString(36)}"`,
});
