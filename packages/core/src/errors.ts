/**
 * Typed errors. Lock backends report failures as `LockError` with one of five kinds; the statechart reacts to
 * the kind, never to a message. Everything else thrown by this package is a bug in the caller (`ConfigError`)
 * or in Leasehold itself (`IllegalTransitionError`).
 */
import { clip } from './quote.ts';

/**
 * The longest message a `LockError` carries after its kind and lock (characters): a store's answer is cut
 * to it, so no report grows with what the store sent.
 */
export const MAX_LOCK_MESSAGE = 512;

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

/** A failure of a lock request, of one of five kinds the statechart reacts to (see `LockErrorKind`). */
export class LockError extends Error {
  /** Always `LockError`; `isLockError` checks it, so errors from another copy of this package are recognised. */
  override readonly name: string = 'LockError';
  /** What went wrong, as the elector understands it. */
  readonly kind: LockErrorKind;
  /** The lock's `describe()` at the time of the failure, e.g. `Lease default/my-app`. */
  readonly lock: string;

  /**
   * How long the store asked callers to wait before trying again (HTTP 429 or 503 `Retry-After`), in ms.
   * A follower waits at least this long (capped, see docs/guarantees.md "Request rate"); a leader keeps its
   * cadence of one retry period, since its lease is at stake.
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: LockErrorKind,
    lock: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(`${kind}: ${clip(lock, 300)}: ${clip(message, MAX_LOCK_MESSAGE)}`, options);
    this.kind = kind;
    this.lock = lock;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /**
   * How Node's `util.inspect` shows it (`console.error(err)`, console-style loggers): one line, with at most
   * a short message of the cause, never the cause itself (a store's answer carries response headers and a
   * body). The cause stays on `.cause` for code that wants it.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return summarizeLockError(this);
  }
}

/** The most characters of a cause's message a summary of a `LockError` shows. */
export const CAUSE_CHARS = 120;

/**
 * A `LockError` as one line: its name and message, and at most `CAUSE_CHARS` of its cause's first line,
 * unless the message already says it (a lock that words a parse error into its own message, as the
 * Kubernetes locks do for `Malformed`, would otherwise print the same sentence twice).
 */
export function summarizeLockError(error: LockError): string {
  const line = oneLine(error);
  const { cause } = error;
  if (cause === undefined) return line;
  const message = cause instanceof Error ? cause.message : String(cause);
  // The first line only: client-node puts the response headers after it.
  const first = message.split('\n')[0] ?? '';
  if (first.trim() === '' || error.message.includes(first)) return line;
  return `${line} (cause: ${clip(first, CAUSE_CHARS)})`;
}

/**
 * A report as one line: its name and message, line breaks turned into spaces. What `util.inspect` shows for
 * the reports the election makes itself (`RepeatedFailure`, `LockRecovered`, `DuplicateIdentityError`):
 * their stacks are the reporter's and the driver's frames, which say nothing about the failure, and a
 * `RepeatedFailure`'s cause is the occurrence its message already quotes.
 */
export function oneLine(error: Error): string {
  return `${error.name}: ${error.message}`.replace(/[\r\n]+/g, ' ');
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
  /** Always `ConfigError`, for logs and checks across package copies. */
  override readonly name = 'ConfigError';
  /** The rule violated, as an inequality or a field name, e.g. `renewDeadline < leaseDuration`. */
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(`invalid election config (${rule}): ${message}`);
    this.rule = rule;
  }
}

/** An input the statechart cannot accept in its current state: a bug in a driver, never a runtime condition. */
export class IllegalTransitionError extends Error {
  /** Always `IllegalTransitionError`, for logs and checks across package copies. */
  override readonly name = 'IllegalTransitionError';
  constructor(state: string, input: string, detail?: string) {
    super(`illegal input ${input} in state ${state}${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * Reported (never thrown) when a leader sees the lock renewed under its own identity by a write it did not
 * send: another candidate is configured with the same identity. The leader steps down at once and, from then
 * on, treats records naming its identity as held by someone else (it waits out their lease), so the two do
 * not take the lock from each other in turn. Fix the configuration: identities must be unique.
 */
export class DuplicateIdentityError extends Error {
  /** Always `DuplicateIdentityError`, for logs and checks across package copies. */
  override readonly name = 'DuplicateIdentityError';
  /** The identity both candidates use. */
  declare readonly identity: string;
  /** The lock's `describe()`. */
  declare readonly lock: string;
  /** The version of the lock object that was written by the other candidate. */
  declare readonly version: string;
  constructor(identity: string, lock: string, version: string) {
    super(
      `DuplicateIdentity: ${lock}: the lock was renewed as "${identity}" (version ${clip(version)}) by a write this ` +
        'candidate did not send: another candidate uses the same identity; stepping down',
    );
    defineFields(this, { identity, lock, version });
  }

  /** One line under `util.inspect`, as a `LockError` (`oneLine`): the stack is the driver's, not the twin's. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return oneLine(this);
  }
}

/**
 * Reported instead of each repetition of one failure: how often it recurred since it was last reported.
 * The first occurrence is always reported as itself; see docs/guide.md "Errors".
 */
export class RepeatedFailure extends Error {
  /** Always `RepeatedFailure`, for logs and checks across package copies. */
  override readonly name = 'RepeatedFailure';
  /** Occurrences since the last report of this failure (the latest is the `cause`). */
  declare readonly count: number;
  /** Milliseconds since the last report of this failure. */
  declare readonly periodMs: number;
  constructor(latest: unknown, count: number, periodMs: number) {
    const period = (periodMs / 1000).toFixed(1);
    super(`repeated ${count} more times in ${period}s: ${describeError(latest)}`, { cause: latest });
    defineFields(this, { count, periodMs });
  }

  /**
   * One line under `util.inspect` (`oneLine`): the message quotes the latest occurrence already, which was
   * printed whole (a callback's error with its stack) when it was first reported.
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return oneLine(this);
  }
}

/** Reported once when a lock request succeeds after a run of failed ones. */
export class LockRecovered extends Error {
  /** Always `LockRecovered`, for logs and checks across package copies. */
  override readonly name = 'LockRecovered';
  /** The lock's `describe()`. */
  declare readonly lock: string;
  /** Failed requests in the run that just ended. */
  declare readonly failures: number;
  /** Milliseconds from the first of them to the success. */
  declare readonly durationMs: number;
  /** `run`: how many requests failed in a row and when the first did; `now` on the same clock. */
  constructor(lock: string, run: { readonly failures: number; readonly since: number }, now: number) {
    const durationMs = now - run.since;
    const plural = run.failures === 1 ? '' : 's';
    super(
      `${lock}: recovered after ${run.failures} failed request${plural} over ${(durationMs / 1000).toFixed(1)}s`,
    );
    defineFields(this, { lock, failures: run.failures, durationMs });
  }

  /** One line under `util.inspect` (`oneLine`): good news needs no stack. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return oneLine(this);
  }
}

/** Sets a report's fields once, read-only and enumerable (so they show when the report is logged). */
function defineFields(target: object, fields: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: false });
  }
}

function describeError(error: unknown): string {
  return clip(error instanceof Error ? error.message : String(error), MAX_LOCK_MESSAGE);
}

/** Raised by `LeaderElection` methods used out of order, e.g. `run()` twice at once. */
export class ElectionStateError extends Error {
  /** Always `ElectionStateError`, for logs and checks across package copies. */
  override readonly name = 'ElectionStateError';
}

/**
 * `Leadership.check()` found that this candidate no longer leads in the term it was given: a side effect
 * guarded by it must not happen. `term` is the fencing token it held; `reason` says what changed.
 */
export class LeadershipLostError extends Error {
  /** Always `LeadershipLostError`, for logs and checks across package copies. */
  override readonly name = 'LeadershipLostError';
  /** The identity that led. */
  readonly identity: string;
  /** The term (fencing token) it led in. */
  readonly term: number;
  /** What changed: leadership ended, the lease lapsed, or the lock shows another term or holder. */
  readonly reason: string;

  constructor(identity: string, term: number, reason: string) {
    super(`${identity} no longer leads in term ${term}: ${reason}`);
    this.identity = identity;
    this.term = term;
    this.reason = reason;
  }
}
