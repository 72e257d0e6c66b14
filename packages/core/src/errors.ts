/**
 * Typed errors. Lock backends report failures as `LockError` with one of five kinds; the statechart reacts to
 * the kind, never to a message. Everything else thrown by this package is a bug in the caller (`ConfigError`)
 * or in Leasehold itself (`IllegalTransitionError`).
 */

/** What went wrong talking to the lock's store. */
export type LockErrorKind =
  /** The lock object does not exist (HTTP 404). */
  | 'NotFound'
  /** Compare-and-swap lost: the version changed, or `create` found the object already there (HTTP 409). */
  | 'Conflict'
  /** The store refused this identity (HTTP 401/403): usually missing RBAC. Retried, and reported each time. */
  | 'Forbidden'
  /** The store could not be reached or did not answer in time: network errors, timeouts, HTTP 429/5xx. */
  | 'Unavailable'
  /** The stored record exists but cannot be parsed. Never overwritten by the elector. */
  | 'Malformed';

export class LockError extends Error {
  override readonly name: string = 'LockError';
  readonly kind: LockErrorKind;
  /** The lock's `describe()` at the time of the failure, e.g. `Lease default/my-app`. */
  readonly lock: string;

  constructor(kind: LockErrorKind, lock: string, message: string, options?: { cause?: unknown }) {
    super(`${kind}: ${lock}: ${message}`, options);
    this.kind = kind;
    this.lock = lock;
  }
}

/** True when `err` is a `LockError`, optionally of the given kind. Works across package copies. */
export function isLockError(err: unknown, kind?: LockErrorKind): err is LockError {
  if (!(err instanceof Error) || err.name !== 'LockError') return false;
  return kind === undefined || (err as LockError).kind === kind;
}

/** Converts anything a lock threw into a `LockError`; unknown failures count as `Unavailable`. */
export function toLockError(err: unknown, lock: string): LockError {
  if (isLockError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new LockError('Unavailable', lock, `unexpected failure: ${message}`, { cause: err });
}

/** A configuration that violates one of the documented rules; `rule` names the violated inequality. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(`invalid election config (${rule}): ${message}`);
    this.rule = rule;
  }
}

/** An input the statechart cannot accept in its current state: a bug in a driver, never a runtime condition. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(state: string, input: string, detail?: string) {
    super(`illegal input ${input} in state ${state}${detail ? `: ${detail}` : ''}`);
  }
}

/** Raised by `LeaderElection` methods used out of order, e.g. `run()` twice at once. */
export class ElectionStateError extends Error {
  override readonly name = 'ElectionStateError';
}
