/**
 * Template: a Leasehold `Lock` over a key-value store with conditional writes (etcd's compare on a revision,
 * DynamoDB's ConditionExpression, Redis WATCH/MULTI or a Lua script, a SQL `UPDATE ... WHERE version = ?`).
 * Copy this file and kv-backend.ts into your project (they ship in `@leasehold/testkit`'s `templates/`),
 * write a `ConditionalStore` over your store's client, then check the pair with
 * `leasehold check ./kv-backend.ts` (docs/model-checking.md, "Writing a lock").
 *
 * What makes it safe is one rule: a write applies only if the stored item is still at the version the
 * elector read (an update) or absent (a create), and every write that applies gives the item a new version.
 * Everything else here is mapping answers to the five `LockError` kinds the election reacts to.
 */
import {
  checkStoredRecord,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  LockError,
  type LockSnapshot,
  parseRecord,
  RecordParseError,
  stringifyRecord,
} from '@leasehold/core';

/** One stored value and the version the store gave it (a revision, an ETag, a counter: any string). */
export interface StoredItem {
  readonly value: string;
  readonly version: string;
}

/**
 * The two calls the lock needs from your store. Map your client's "condition failed" answer to `undefined`;
 * let every other failure (network, timeout, throttling, permission) throw: the lock reports it as
 * `Unavailable` (or `Forbidden`, see `KvLock.failure`).
 */
export interface ConditionalStore {
  /** The item stored under `key`, or `undefined` when there is none. */
  get(key: string, signal?: AbortSignal): Promise<StoredItem | undefined>;
  /**
   * Stores `value` under `key` only if the key is absent (`expectedVersion` `null`) or stored at
   * `expectedVersion`; returns the new item (with its new version), or `undefined` if the condition failed.
   */
  putIf(
    key: string,
    value: string,
    expectedVersion: string | null,
    signal?: AbortSignal,
  ): Promise<StoredItem | undefined>;
}

/** The election record as JSON (client-go's annotation form) under one key of a `ConditionalStore`. */
export class KvLock implements Lock {
  readonly identity: string;
  readonly #store: ConditionalStore;
  readonly #key: string;

  constructor(store: ConditionalStore, key: string, identity: string) {
    if (!key || !identity) throw new TypeError('KvLock: key and identity are required');
    this.#store = store;
    this.#key = key;
    this.identity = identity;
  }

  describe(): string {
    return `kv ${this.#key}`;
  }

  async get(options?: LockCallOptions): Promise<LockSnapshot | null> {
    const item = await this.#call('get', () => this.#store.get(this.#key, options?.signal));
    return item === undefined ? null : this.#snapshot(item);
  }

  async create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot> {
    const item = await this.#call('create', () =>
      this.#store.putIf(this.#key, stringifyRecord(record), null, options?.signal),
    );
    if (item === undefined)
      throw new LockError('Conflict', this.describe(), 'create: the key already exists');
    return this.#snapshot(item);
  }

  async update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot> {
    const item = await this.#call('update', () =>
      this.#store.putIf(this.#key, stringifyRecord(record), expectedVersion, options?.signal),
    );
    if (item !== undefined) return this.#snapshot(item);
    // The condition failed: the item changed (Conflict) or is gone (NotFound). The store does not say which,
    // so read; either answer is one the store gave at some moment of this call.
    const now = await this.#call('update', () => this.#store.get(this.#key, options?.signal));
    const kind = now === undefined ? 'NotFound' : 'Conflict';
    throw new LockError(kind, this.describe(), `update: the item is not at version ${expectedVersion}`);
  }

  /**
   * A stored item as a snapshot. A value that is not a record, or a record nobody can follow (a holder with
   * no lease duration, an identity too long: `checkStoredRecord`), is `Malformed`: the elector reports it and
   * never overwrites it, as the Kubernetes locks do.
   */
  #snapshot(item: StoredItem): LockSnapshot {
    try {
      return { record: checkStoredRecord(parseRecord(item.value)), version: item.version, raw: item };
    } catch (err) {
      if (!(err instanceof RecordParseError)) throw err;
      throw new LockError('Malformed', this.describe(), err.message, { cause: err });
    }
  }

  /** Runs one store call; anything it throws becomes a `LockError`. */
  async #call<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.failure(what, err);
    }
  }

  /**
   * How a thrown store error maps to a kind. `Unavailable` (retried on the election's cadence) fits network
   * errors, timeouts and throttling; map your client's permission error to `Forbidden` here.
   */
  protected failure(what: string, err: unknown): LockError {
    const message = err instanceof Error ? err.message : String(err);
    return new LockError('Unavailable', this.describe(), `${what}: ${message}`, { cause: err });
  }
}
