/**
 * An in-memory lock store with real compare-and-swap on a store-wide version counter, like etcd's revision
 * behind Kubernetes' resourceVersion. It is a product feature (single-process elections, tests, demos) and
 * the simulator's lock; it is not a stand-in for Kubernetes in adapter tests.
 *
 * Guarantees: each request applies atomically at one instant; a version is never reused; every successful
 * write changes the version; records are copied in and out (no aliasing of Dates).
 */
import {
  type Clock,
  checkStoredRecord,
  emptyRecord,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  LockError,
  type LockSnapshot,
  parseRecord,
  RecordParseError,
} from '@leasehold/core';
import {
  type FaultInjector,
  type FaultPlan,
  type MemoryRequest,
  type PlanContext,
  runPlanned,
  runUnfaulted,
} from './faults.ts';
import { recordAsStored } from './stored-record.ts';

interface Entry {
  /** The stored value as text: either a record's JSON or, after `corrupt()`, anything at all. */
  readonly text: string;
  readonly version: string;
}

/** Options of a `MemoryLockStore`. */
export interface MemoryLockStoreOptions {
  /** Clock for injected delays and watch delivery; without one, delays use the host's timers. */
  readonly clock?: Clock;
  /** Decides, per request, what goes wrong (see `FaultPlan`); none by default. */
  readonly faults?: FaultInjector;
  /** Delay of each watch notification (ms), drawn per notification; default 0 (next timer turn). */
  readonly watchDelayMs?: () => number;
}

/** The plan of a request nothing goes wrong with: one frozen object for all of them. */
const NO_FAULTS: FaultPlan = Object.freeze({});

/** The context of an unfaulted request whose signal has not aborted: it is never read then. */
const NO_SIGNAL: PlanContext = Object.freeze({ later: () => {}, describe: '' });

type Watcher = { readonly name: string; readonly onChange: (snapshot: LockSnapshot | null) => void };

/** A watcher's own copy of a record just parsed from the store's text (its Dates are not shared). */
const copyRecord = (r: LeaderElectionRecord): LeaderElectionRecord => ({
  ...r,
  acquireTime: r.acquireTime && new Date(r.acquireTime.getTime()),
  renewTime: r.renewTime && new Date(r.renewTime.getTime()),
});

/**
 * The stored text as a record, checked as the Kubernetes locks check theirs (`checkStoredRecord`: size,
 * terms, identities, strategy), so a value written with `corrupt()` or `put()` meets the same rules.
 */
const readRecord = (text: string): LeaderElectionRecord => checkStoredRecord(parseRecord(text));

/** Keeps millisecond precision (the record JSON format itself carries whole seconds). */
function serialize(r: LeaderElectionRecord): string {
  return JSON.stringify({
    ...r,
    acquireTime: r.acquireTime ? r.acquireTime.toISOString() : null,
    renewTime: r.renewTime ? r.renewTime.toISOString() : null,
  });
}

/** Locks in memory with compare-and-swap, watches and fault injection: `store.lock(name, identity)` gives one candidate's handle. */
export class MemoryLockStore {
  readonly #entries = new Map<string, Entry>();
  /** Watchers by lock name: a write notifies only those of its lock (many locks share a store). */
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #clock: Clock | undefined;
  #faults: FaultInjector | undefined;
  readonly #watchDelayMs: (() => number) | undefined;
  #revision = 0;
  /** Requests applied, by operation: the simulator's measure of API load. */
  readonly counts = { get: 0, create: 0, update: 0 };

  constructor(options: MemoryLockStoreOptions = {}) {
    this.#clock = options.clock;
    this.#faults = options.faults;
    this.#watchDelayMs = options.watchDelayMs;
  }

  /** A lock handle on the object `name` for one candidate. */
  lock(name: string, identity: string): MemoryLock {
    return new MemoryLock(this, name, identity);
  }

  /** Replaces the fault injector (`undefined` heals everything). */
  setFaults(faults: FaultInjector | undefined): void {
    this.#faults = faults;
  }

  // ---- direct access, for tests and operators (no faults, no delays) -----------------------------------

  /** The current snapshot, or `null`. Throws `Malformed` like a lock would. */
  peek(name: string): LockSnapshot | null {
    return this.#read(name, name);
  }

  /** Writes a record by hand, bypassing compare-and-swap (like `kubectl edit`). */
  put(name: string, record: LeaderElectionRecord): LockSnapshot {
    return this.#write(name, serialize(record));
  }

  /** Stores arbitrary text as the record (to test Malformed handling). */
  corrupt(name: string, text: string): void {
    this.#write(name, text);
  }

  /** Deletes the lock object by hand (like `kubectl delete`). */
  delete(name: string): boolean {
    const existed = this.#entries.delete(name);
    if (existed) this.#notify(name, null);
    return existed;
  }

  // ---- the operations, as the locks call them ------------------------------------------------------------

  /** Used by `MemoryLock`: not for direct use. @internal */
  request<T>(request: MemoryRequest, options: LockCallOptions | undefined, apply: () => T): Promise<T> {
    // Not `async`: `runPlanned` is, and an async function returning its promise cost another promise and
    // two more turns per request. A fault injector that throws still rejects, as before.
    let plan: FaultPlan;
    try {
      plan = this.#faults?.(request) ?? NO_FAULTS;
    } catch (err) {
      return Promise.reject(err);
    }
    if (plan === NO_FAULTS) {
      const signal = options?.signal;
      if (signal?.aborted) return runUnfaulted(this.#planContext(request, signal), apply);
      return runUnfaulted(NO_SIGNAL, () => {
        this.counts[request.op] += 1;
        return apply();
      });
    }
    const context = this.#planContext(request, options?.signal);
    return runPlanned(
      plan,
      request.op,
      context,
      () => {
        this.counts[request.op] += 1;
        return apply();
      },
      () => {
        const entry = this.#entries.get(request.name);
        if (entry) this.#write(request.name, entry.text); // a phantom writer: same content, new version
      },
    );
  }

  /** Where a request's plan runs: the store's timers, the lock's name for errors, the caller's signal. */
  #planContext(request: MemoryRequest, signal: AbortSignal | undefined): PlanContext {
    return { later: this.#laterFn, describe: `MemoryLock ${request.name}`, signal };
  }

  /** Used by `MemoryLock`: not for direct use. @internal */
  read(name: string, describe: string): LockSnapshot | null {
    return this.#read(name, describe);
  }

  /** Used by `MemoryLock`: not for direct use. @internal */
  create(name: string, describe: string, record: LeaderElectionRecord): LockSnapshot {
    if (this.#entries.has(name)) throw new LockError('Conflict', describe, 'already exists');
    const text = serialize(record);
    return this.#write(name, text, recordAsStored(record, text));
  }

  /** Used by `MemoryLock`: not for direct use. @internal */
  update(
    name: string,
    describe: string,
    record: LeaderElectionRecord,
    expectedVersion: string,
  ): LockSnapshot {
    const entry = this.#entries.get(name);
    if (!entry) throw new LockError('NotFound', describe, 'does not exist');
    if (entry.version !== expectedVersion) {
      throw new LockError('Conflict', describe, `version is ${entry.version}, not ${expectedVersion}`);
    }
    const text = serialize(record);
    return this.#write(name, text, recordAsStored(record, text));
  }

  /**
   * @internal Registers a watcher. The store delivers every later change to it, so the watch reports itself
   * live at once (synchronously) and never reports a loss.
   */
  watch(
    name: string,
    onChange: (snapshot: LockSnapshot | null) => void,
    onHealth?: (live: boolean) => void,
  ): () => void {
    const watcher: Watcher = { name, onChange };
    let watchers = this.#watchers.get(name);
    if (!watchers) {
      watchers = new Set();
      this.#watchers.set(name, watchers);
    }
    watchers.add(watcher);
    onHealth?.(true);
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0 && this.#watchers.get(name) === watchers) this.#watchers.delete(name);
    };
  }

  #read(name: string, describe: string): LockSnapshot | null {
    const entry = this.#entries.get(name);
    if (!entry) return null;
    try {
      return { record: readRecord(entry.text), version: entry.version, raw: entry.text };
    } catch (err) {
      if (err instanceof RecordParseError)
        throw new LockError('Malformed', describe, err.message, { cause: err });
      throw err;
    }
  }

  /** Stores `text`; `stored` is what reading it back gives, when `recordAsStored` could tell without reading. */
  #write(name: string, text: string, stored?: LeaderElectionRecord): LockSnapshot {
    this.#revision += 1;
    const entry: Entry = { text, version: String(this.#revision) };
    this.#entries.set(name, entry);
    let snapshot: LockSnapshot | null = null;
    try {
      const record = stored === undefined ? readRecord(text) : checkStoredRecord(stored);
      snapshot = { record, version: entry.version, raw: text };
    } catch {
      // corrupt(): watchers get no notification (a hint cannot carry the Malformed error, and `null` would
      // claim a deletion); the next read reports it. Callers of put() get nothing parsed.
    }
    if (snapshot) this.#notify(name, snapshot);
    return snapshot ?? { record: emptyRecord(), version: entry.version, raw: text };
  }

  #notify(name: string, snapshot: LockSnapshot | null): void {
    for (const watcher of this.#watchers.get(name) ?? []) {
      const copy = snapshot && { ...snapshot, record: copyRecord(snapshot.record) };
      if (this.#clock === undefined && this.#watchDelayMs === undefined) this.#queueNotice(watcher, copy);
      else this.#later(this.#watchDelayMs?.() ?? 0, () => watcher.onChange(copy));
    }
  }

  /**
   * The notifications due on the next timer turn (no clock, no delay), in the order they were made, and the
   * one host timer that delivers them all: a timer and a closure per notification were about 0.2 of the 7.5
   * KiB a memory-lock renewal allocated (docs/benchmarks.md, "The memory lock's 150 MiB"). Two arrays side
   * by side, not an entry object per notification.
   */
  #dueWatchers: Watcher[] = [];
  #dueSnapshots: (LockSnapshot | null)[] = [];

  #queueNotice(watcher: Watcher, snapshot: LockSnapshot | null): void {
    if (this.#dueWatchers.length === 0) setTimeout(this.#deliverDue, 0);
    this.#dueWatchers.push(watcher);
    this.#dueSnapshots.push(snapshot);
  }

  /** Delivers the notifications queued so far; those their watchers cause wait for the next turn, as before. */
  readonly #deliverDue = (): void => {
    const watchers = this.#dueWatchers;
    const snapshots = this.#dueSnapshots;
    this.#dueWatchers = [];
    this.#dueSnapshots = [];
    let i = 0;
    try {
      for (; i < watchers.length; i += 1) (watchers[i] as Watcher).onChange(snapshots[i] ?? null);
    } finally {
      // A watcher that threw: the rest are still delivered, on the next timer turn, and before what the
      // watchers' own writes queued meanwhile, so every watcher still hears the versions in order.
      if (i + 1 < watchers.length) {
        if (this.#dueWatchers.length === 0) setTimeout(this.#deliverDue, 0);
        this.#dueWatchers = watchers.slice(i + 1).concat(this.#dueWatchers);
        this.#dueSnapshots = snapshots.slice(i + 1).concat(this.#dueSnapshots);
      }
    }
  };

  /** `#later` as the one function every request's plan is given (not a closure per request). */
  readonly #laterFn = (ms: number, fn: () => void) => this.#later(ms, fn);

  #later(ms: number, fn: () => void): void {
    if (this.#clock) this.#clock.setTimer(ms, fn);
    else setTimeout(fn, ms);
  }
}

/** One candidate's handle on a named lock in a `MemoryLockStore`. */
export class MemoryLock implements Lock {
  /** This candidate's identity. */
  readonly identity: string;
  readonly #store: MemoryLockStore;
  readonly #name: string;
  /** `describe()`'s answer, built once: it is asked on every request. */
  readonly #describe: string;

  constructor(store: MemoryLockStore, name: string, identity: string) {
    this.#store = store;
    this.#name = name;
    this.identity = identity;
    this.#describe = `MemoryLock ${name}`;
  }

  /** `MemoryLock <name>`. */
  describe(): string {
    return this.#describe;
  }

  /** Reads the record (`null` when the lock was never created). */
  get(options?: LockCallOptions): Promise<LockSnapshot | null> {
    return this.#store.request({ op: 'get', name: this.#name, identity: this.identity }, options, () =>
      this.#store.read(this.#name, this.describe()),
    );
  }

  /** Creates the lock object; `Conflict` if it exists. */
  create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot> {
    return this.#store.request({ op: 'create', name: this.#name, identity: this.identity }, options, () =>
      this.#store.create(this.#name, this.describe(), record),
    );
  }

  /** Replaces `name` if its version is still the one given; `Conflict` otherwise. Used by `MemoryLock`; not for direct use. */
  /** Compare-and-swap: writes only if the stored version is still `expectedVersion`; `Conflict` otherwise. */
  update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot> {
    return this.#store.request({ op: 'update', name: this.#name, identity: this.identity }, options, () =>
      this.#store.update(this.#name, this.describe(), record, expectedVersion),
    );
  }

  /** Notifies every change of the lock; always live (an in-memory store loses nothing). */
  watch(onChange: (snapshot: LockSnapshot | null) => void, onHealth?: (live: boolean) => void): () => void {
    return this.#store.watch(this.#name, onChange, onHealth);
  }
}
