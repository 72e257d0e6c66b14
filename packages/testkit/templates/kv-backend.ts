/**
 * Template: the backend `leasehold check` runs `KvLock` over (copy it beside kv-lock.ts). `ModelStore` is an
 * in-process model of the store that answers as the real one does: every write that applies gets a new
 * version, a failed condition is `undefined`, a missing key reads as `undefined`. Make yours keep exactly
 * what your store promises and nothing more (if its reads may be stale, let the model's be): the check
 * proves the lock over the model, so a model kinder than the store proves too much.
 *
 * No timers and no I/O: the simulator brings latency, failures, pauses and partitions around every call,
 * on its virtual clock. One fresh store per run: every candidate of that run shares it.
 *
 *     leasehold check ./kv-backend.ts --runs 200
 */
import type { BackendFactory } from '@leasehold/testkit';
import { type ConditionalStore, KvLock, type StoredItem } from './kv-lock.ts';

/** A `Map` with a version per write: the behaviour `KvLock` relies on, and nothing more. */
export class ModelStore implements ConditionalStore {
  readonly #items = new Map<string, StoredItem>();
  #revision = 0;

  async get(key: string): Promise<StoredItem | undefined> {
    return this.#items.get(key);
  }

  async putIf(key: string, value: string, expectedVersion: string | null): Promise<StoredItem | undefined> {
    const current = this.#items.get(key);
    const holds = expectedVersion === null ? current === undefined : current?.version === expectedVersion;
    if (!holds) return undefined;
    this.#revision += 1;
    const item = { value, version: String(this.#revision) };
    this.#items.set(key, item);
    return item;
  }

  /** Stores `value` unconditionally, as an operator (or a bug elsewhere) might: tests plant bad records so. */
  plant(key: string, value: string): void {
    this.#revision += 1;
    this.#items.set(key, { value, version: String(this.#revision) });
  }
}

/** The key the simulated candidates contend on. */
export const KEY = 'leader-election';

/** What `leasehold check` loads: a fresh store per simulated cluster, one `KvLock` per candidate. */
export const backend: BackendFactory = () => {
  const store = new ModelStore();
  return { lock: (identity) => new KvLock(store, KEY, identity) };
};
