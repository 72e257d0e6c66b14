/**
 * The store every zoo backend runs on: an in-process model of a key-value store with a version per item and
 * conditional puts (DynamoDB's ConditionExpression, etcd's compare on mod revision). A failed condition
 * throws `ConditionFailed`, as the real client does; it does not say which part of the condition failed.
 *
 * Options make it behave as some real stores do: answers that take time on the simulation's clock (so two
 * calls of one lock method can be split by another handle's write), versions that jump, opaque versions.
 * No host timers, no I/O: the simulator's clock is the only time.
 */
import type { Clock } from '@leasehold/core';
import { Random } from '../../src/random.ts';

/** A stored item. */
export interface Item {
  readonly value: string;
  readonly version: string;
}

/** The store's own error: a conditional put whose condition did not hold. */
export class ConditionFailed extends Error {
  override readonly name = 'ConditionalCheckFailedException';
}

/** The store's own error for a call that never reached it (throttled, no connection): nothing applied. */
export class ServiceUnavailable extends Error {
  override readonly name = 'ServiceUnavailableException';
}

/** The store's own error for a call whose answer did not come in time: it may have applied. */
export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeoutException';
}

/** How the model behaves. */
export interface KvStoreOptions {
  /** The simulation's clock; needed for `latencyMaxMs`. */
  readonly clock?: Clock;
  /** Each call applies after up to this many ms and answers after as many again (default 0: at once). */
  readonly latencyMaxMs?: number;
  /** The next version after `previous` (default: a store-wide counter plus one). */
  readonly nextVersion?: (counter: number, random: Random) => string;
  /** Seed of the model's own draws (latency, versions). */
  readonly seed?: number;
}

/** One key-value store; every handle of a run shares it. */
export class KvStore {
  readonly #items = new Map<string, Item>();
  readonly #options: KvStoreOptions;
  readonly #random: Random;
  #counter = 0;

  constructor(options: KvStoreOptions = {}) {
    this.#options = options;
    this.#random = new Random(options.seed ?? 1);
  }

  /** The item, or `undefined`. */
  async get(key: string): Promise<Item | undefined> {
    await this.#delay();
    const item = this.#items.get(key);
    await this.#delay();
    return item;
  }

  /** Stores `value` if `condition` holds for the item now stored; the new item. */
  async put(key: string, value: string, condition?: (current: Item | undefined) => boolean): Promise<Item> {
    await this.#delay();
    const holds = !condition || condition(this.#items.get(key));
    const item = holds ? this.write(key, value) : undefined;
    await this.#delay(); // a refusal travels back as slowly as a success
    if (item === undefined) throw new ConditionFailed('The conditional request failed');
    return item;
  }

  /** Stores `value` at once under a new version (the model's own step, for variants that need it). */
  write(key: string, value: string): Item {
    this.#counter += 1;
    const version = this.#options.nextVersion?.(this.#counter, this.#random) ?? String(this.#counter);
    const item = { value, version };
    this.#items.set(key, item);
    return item;
  }

  /** Stores `value` keeping the current version (the model's own step, for variants that need it). */
  overwrite(key: string, value: string, version: string): Item {
    const item = { value, version };
    this.#items.set(key, item);
    return item;
  }

  #delay(): Promise<void> {
    const max = this.#options.latencyMaxMs ?? 0;
    const clock = this.#options.clock;
    if (max <= 0 || !clock) return Promise.resolve();
    const ms = this.#random.float(0, max);
    return new Promise((resolve) => clock.setTimer(ms, resolve));
  }
}
