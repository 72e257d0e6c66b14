/**
 * Safe, unusual: versions jump by random amounts (a store-wide sequence shared with other keys, as etcd's
 * revision is). Still unique per write and exact in every compare-and-swap.
 */
import { KvLock, kvBackend } from './kv-lock.ts';

export const store = kvBackend((store, identity) => new KvLock(store, identity), {
  nextVersion: (counter, random) => String(counter * 1000 + random.int(0, 999)),
});
