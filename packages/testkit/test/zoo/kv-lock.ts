/**
 * The careful lock over the key-value store: the record as JSON in one item, `create` a put on condition
 * that the item is absent, `update` a put on condition that the item's version is still the one the elector
 * read. A failed condition is `Conflict`, or `NotFound` when a read shows the item gone. Every zoo backend is
 * this lock with one realistic mistake (or one harmless oddity).
 */
import {
  type Clock,
  type LeaderElectionRecord,
  type Lock,
  LockError,
  type LockSnapshot,
  parseRecord,
  stringifyRecord,
} from '@leasehold/core';
import type { StoreBackend } from '../../src/index.ts';
import {
  ConditionFailed,
  type Item,
  KvStore,
  type KvStoreOptions,
  RequestTimeout,
  ServiceUnavailable,
} from './kv-store.ts';

export const KEY = 'leader-election';

export class KvLock implements Lock {
  readonly identity: string;
  protected readonly store: KvStore;
  /** The simulation's clock (the machine's own, for locks that look at time). */
  protected readonly clock: Clock | undefined;
  /** The item as this handle last read or wrote it. */
  protected last: Item | undefined;

  constructor(store: KvStore, identity: string, clock?: Clock) {
    this.store = store;
    this.identity = identity;
    this.clock = clock;
  }

  describe(): string {
    return `kv ${KEY}`;
  }

  async get(): Promise<LockSnapshot | null> {
    let item: Item | undefined;
    try {
      item = await this.store.get(KEY);
    } catch (err) {
      throw this.refused(err, 'get');
    }
    return item === undefined ? null : this.snapshot(item);
  }

  async create(record: LeaderElectionRecord): Promise<LockSnapshot> {
    try {
      return this.snapshot(
        await this.store.put(KEY, stringifyRecord(record), (current) => current === undefined),
      );
    } catch (err) {
      throw this.refused(err, 'create');
    }
  }

  async update(record: LeaderElectionRecord, expectedVersion: string): Promise<LockSnapshot> {
    try {
      return this.snapshot(await this.putOnVersion(record, expectedVersion));
    } catch (err) {
      throw await this.refusedUpdate(err);
    }
  }

  /** The conditional put of `update`: applies only if the item is still at `expectedVersion`. */
  protected putOnVersion(record: LeaderElectionRecord, expectedVersion: string): Promise<Item> {
    return this.store.put(KEY, stringifyRecord(record), (current) => current?.version === expectedVersion);
  }

  /** The snapshot of a stored item; remembers it. */
  protected snapshot(item: Item): LockSnapshot {
    this.last = item;
    return { record: parseRecord(item.value), version: item.version, raw: item };
  }

  /** A failed condition on create is a `Conflict`; anything else is the store being unavailable. */
  protected refused(err: unknown, what: string): LockError {
    if (err instanceof ConditionFailed)
      return new LockError('Conflict', this.describe(), `${what}: ${err.message}`);
    return new LockError('Unavailable', this.describe(), `${what}: ${String(err)}`, { cause: err });
  }

  /**
   * A failed condition on update: `NotFound` if the item is gone, else `Conflict` (also when the read that
   * tells them apart fails: the condition failed, so nothing applied either way).
   */
  protected async refusedUpdate(err: unknown): Promise<LockError> {
    if (!(err instanceof ConditionFailed)) return this.refused(err, 'update');
    const now = await this.store.get(KEY).catch(() => null);
    return new LockError(
      now === undefined ? 'NotFound' : 'Conflict',
      this.describe(),
      `update: ${err.message}`,
    );
  }
}

/**
 * A backend of `Lock`s made by `make` over one fresh store per run, offered with its store: the testkit puts
 * the store's calls behind faults (store-faults.ts), failing them with the store's own errors.
 */
export function kvBackend(
  make: (store: KvStore, identity: string, clock: Clock) => Lock,
  options: Omit<KvStoreOptions, 'clock'> = {},
): StoreBackend<KvStore> {
  return {
    createStore: (clock) => new KvStore({ ...options, clock }),
    createLock: make,
    storeError: (kind, call) =>
      kind === 'timeout'
        ? new RequestTimeout(`${call}: the request timed out`)
        : new ServiceUnavailable(`${call}: the service is unavailable`),
  };
}

/** The careful lock itself: the zoo's control, which must pass. */
export const store = kvBackend((store, identity) => new KvLock(store, identity));
