/**
 * Safe, unusual: a slow store. Every call takes up to 2 x 20 ms of the simulation's clock, so a lock's calls
 * (the conditional put, then the read that tells `NotFound` from `Conflict`) interleave with other handles'.
 */
import { KvLock, kvBackend } from './kv-lock.ts';

export const store = kvBackend((store, identity) => new KvLock(store, identity), { latencyMaxMs: 20 });
