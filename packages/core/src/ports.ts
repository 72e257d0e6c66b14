/**
 * The two ports the election runs over. The statechart never calls them: it emits effects, and the driver
 * (`LeaderElection`) performs them through these interfaces. Production uses `systemClock` and a Kubernetes
 * lock; the simulator plugs in a virtual clock and the in-memory lock.
 */
import type { LeaderElectionRecord } from './record.ts';

/** An opaque handle returned by `Clock.setTimer`. */
export type TimerHandle = unknown;

/** Where the election gets time from: a monotonic clock, the wall clock (for record timestamps only), and timers. */
export interface Clock {
  /** Monotonic milliseconds. All timing decisions use this and only this. */
  now(): number;
  /** Wall-clock time, used only for the timestamps written into records. */
  wallNow(): Date;
  /** Calls `fn` once, `ms` milliseconds of this clock from now. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a pending timer; a no-op for a fired or unknown one. */
  clearTimer(handle: TimerHandle): void;
}

/** What `Lock.get` returns: the parsed record, its store version and the raw stored object. */
export interface LockSnapshot {
  /** The election record stored in the lock object. */
  readonly record: LeaderElectionRecord;
  /**
   * Opaque version of the stored object (`metadata.resourceVersion` for Kubernetes). Any write changes it;
   * `update` succeeds only when the stored version still equals the one given.
   */
  readonly version: string;
  /** The object as stored, for diagnostics. Never interpreted by the elector. */
  readonly raw: unknown;
}

/** Options every lock operation takes. */
export interface LockCallOptions {
  /** Aborted when the driver gives up on the call (its request timeout, or `stop()`). */
  readonly signal?: AbortSignal;
}

/**
 * A lock backend. Implementations must give compare-and-swap semantics; `describeLockConformance` in
 * `@leasehold/testkit` checks them. All failures are `LockError`s (see `errors.ts`).
 */
export interface Lock {
  /** This candidate's identity, written as `holderIdentity`. Must be unique among candidates. */
  readonly identity: string;
  /** A human-readable name of the lock object, e.g. `Lease default/my-app`. */
  describe(): string;
  /** Reads the record; `null` when the lock object does not exist. A bad record throws `Malformed`. */
  get(options?: LockCallOptions): Promise<LockSnapshot | null>;
  /** Creates the lock object; `Conflict` if it already exists. */
  create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot>;
  /**
   * Replaces the record if the stored version is still `expectedVersion`: `Conflict` if not, `NotFound` if the
   * object is gone. Returns the new snapshot (with its new version).
   */
  update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot>;
  /**
   * Optional change notifications: calls `onChange` with each new snapshot (or `null` on deletion) until the
   * returned function is called. A hint for faster failover; the elector stays correct without it.
   *
   * A watch may also report its health through `onHealth`: `true` once it is established and has delivered
   * (or is about to deliver) the current state, promising that every later change will be notified; `false`
   * as soon as it knows it may miss changes (stream ended, error, reconnecting). While the watch is live,
   * waiting followers stop polling and read only when the lease they wait on runs out, so the API server sees
   * the leader's renewals and almost nothing else. A watch that never calls `onHealth` keeps followers polling.
   * A watch that claims to be live but silently misses changes costs failover time (up to one more lease),
   * never safety: every takeover is still a compare-and-swap on a version seen for a full lease.
   *
   * A watch that cannot start or keeps failing says why through `onError` (the elector reports it, coalesced
   * with its other failures), once per kind of failure rather than on every reconnect attempt: for example a
   * watch that RBAC forbids says so once, and the followers poll.
   */
  watch?(
    onChange: (snapshot: LockSnapshot | null) => void,
    onHealth?: (live: boolean) => void,
    onError?: (error: unknown) => void,
  ): () => void;
}
