/**
 * How failures reach `onError` without a flood (docs/guide.md "Errors"): every distinct failure is reported
 * the first time it happens; identical repetitions are counted and reported as one `RepeatedFailure` at most
 * once per `REPEAT_REPORT_MS`; when a lock request succeeds after a run of failures (or, after `Malformed`
 * reads, the watch delivers the record readable again), one `LockRecovered` says how many failed and for
 * how long. Two failures are identical when their name, kind, lock and message match once numbers, long
 * hex strings and quoted values are blanked out and the rest is cut to `FINGERPRINT_CHARS` (ports,
 * versions, durations and request ids vary between repetitions, and so does a bad value someone keeps
 * rewriting: a stream of distinct bad values is one failure, reported once then counted).
 *
 * The table of distinct failures is bounded whatever arrives: at most `MAX_DISTINCT_FAILURES` entries, the
 * least recently seen dropped first, and an entry not seen for `FORGET_FAILURE_MS` is forgotten (reported
 * as new if it comes back). A recovery clears it, as before.
 *
 * Time comes from the election's Clock, so the policy runs the same on the simulator's virtual clock.
 */
import { isLockError, type LockErrorKind, LockRecovered, RepeatedFailure } from './errors.ts';
import { reportToConsole } from './system.ts';

/**
 * The operation a `Malformed` read adds to a run of failures, and the one the lock's watch answers: the
 * record was unreadable, and is readable again when the watch delivers it.
 */
export const RECORD = 'record';

/** At most one count report per distinct failure in this many milliseconds. */
export const REPEAT_REPORT_MS = 10_000;

/** The most distinct failures remembered at once; the least recently seen is dropped for a new one. */
export const MAX_DISTINCT_FAILURES = 64;

/** A distinct failure not seen for this long (5 minutes) is forgotten, and reported as new if it recurs. */
export const FORGET_FAILURE_MS = 300_000;

/** How many characters of a blanked message tell failures apart (the key's size is bounded too). */
export const FINGERPRINT_CHARS = 160;

interface Seen {
  /** Occurrences not yet reported. */
  pending: number;
  /** When it was last reported (first occurrence or a count). */
  reportedAt: number;
  /** When it last occurred: the table's recency order and its expiry. */
  seenAt: number;
}

export class ErrorReporter {
  readonly #sink: (error: unknown, context: string) => void;
  readonly #now: () => number;
  readonly #seen = new Map<string, Seen>();
  /** `onError` has failed once (and was reported to the console). */
  #sinkHasFailed = false;
  /** The current run of failed lock requests: its length, when it began, and which operations failed. */
  #run: { failures: number; since: number; ops: Set<string> } | null = null;

  constructor(sink: (error: unknown, context: string) => void, now: () => number) {
    this.#sink = sink;
    this.#now = now;
  }

  /** How many distinct failures are remembered now (at most `MAX_DISTINCT_FAILURES`). */
  get distinctFailures(): number {
    return this.#seen.size;
  }

  /** Reports `error`, or counts it if the same failure was reported recently. */
  report(error: unknown, context: string): void {
    const key = `${context.slice(0, FINGERPRINT_CHARS)}\u0000${fingerprint(error)}`;
    const now = this.#now();
    this.#forgetOld(now);
    const seen = this.#seen.get(key);
    if (seen === undefined) {
      this.#seen.set(key, { pending: 0, reportedAt: now, seenAt: now });
      // Map order is insertion order: the first key is the least recently seen.
      if (this.#seen.size > MAX_DISTINCT_FAILURES) this.#seen.delete(this.#seen.keys().next().value!);
      this.#emit(error, context);
      return;
    }
    this.#seen.delete(key); // re-inserted last: the most recently seen
    this.#seen.set(key, seen);
    seen.seenAt = now;
    seen.pending += 1;
    if (now - seen.reportedAt >= REPEAT_REPORT_MS) {
      this.#emit(new RepeatedFailure(error, seen.pending, now - seen.reportedAt), context);
      seen.pending = 0;
      seen.reportedAt = now;
    }
  }

  /**
   * A lock request (`op`: get, create, update) failed with `kind`; report it through `report` as well. A
   * read that found the record `Malformed` also marks the run as one the record itself failed (`RECORD`,
   * until a read fails otherwise):
   * the watch ends it when it delivers the record readable again (`lockAnswered(RECORD)`), since a leader,
   * and a follower that takes the repaired record from its watch, may send no read for a long time.
   */
  lockFailed(op: string, kind: LockErrorKind): void {
    this.#run ??= { failures: 0, since: this.#now(), ops: new Set() };
    this.#run.failures += 1;
    this.#run.ops.add(op);
    // Only while the last read found the record malformed: a read failing otherwise since (the store down)
    // is a failure the watch's records do not end.
    if (op === 'get') {
      if (kind === 'Malformed') this.#run.ops.add(RECORD);
      else this.#run.ops.delete(RECORD);
    }
  }

  /**
   * A lock request was answered. If requests of the same operation had failed, this ends the run with one
   * `LockRecovered` and forgets what was seen, so the next outage is reported from its first failure again.
   * An answer to another operation ends nothing: a follower whose reads succeed while every create fails (a
   * missing namespace) is still failing, and must not say "recovered" each time. `RECORD` is the watch's
   * answer: a record it delivered (it delivers only records that parse, or the object's deletion).
   */
  lockAnswered(op: string, lock: { describe(): string }): void {
    if (this.#run === null || !this.#run.ops.has(op)) return;
    const run = this.#run;
    this.#run = null;
    this.#seen.clear();
    // Named only here: an answer after no failure (every renewal) builds no string.
    const describe = lock.describe();
    this.#emit(new LockRecovered(describe, run, this.#now()), `lock request on ${describe}`);
  }

  /** Drops the entries not seen for `FORGET_FAILURE_MS`: they are first in the table's order. */
  #forgetOld(now: number): void {
    for (const [key, seen] of this.#seen) {
      if (now - seen.seenAt < FORGET_FAILURE_MS) return;
      this.#seen.delete(key);
    }
  }

  #emit(error: unknown, context: string): void {
    try {
      const result: unknown = this.#sink(error, context);
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.#sinkFailed(err));
    } catch (err) {
      this.#sinkFailed(err);
    }
  }

  /**
   * `onError` itself threw (or rejected): it cannot report its own failure, so the console gets the first
   * one, once; the election goes on, and later reports still go to `onError`.
   */
  #sinkFailed(err: unknown): void {
    if (this.#sinkHasFailed) return;
    this.#sinkHasFailed = true;
    reportToConsole(err, 'onError threw (reported once; later failures of onError are not)');
  }
}

/**
 * Quoted values (`"..."`, as `quote()` and the API server write them, with the length `quote()` adds to a
 * cut one), long hex strings, numbers.
 */
const VARYING = /"(?:[^"\\]|\\.)*"(?: \(\d+ characters\))?|[0-9a-f]{8,}|\d+/gi;

function fingerprint(error: unknown): string {
  const kind = isLockError(error) ? error.kind : '';
  const lock = isLockError(error) ? error.lock : '';
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  // Only the head of the message is blanked: the key costs the same whatever the message's length.
  const head = message.slice(0, 4 * FINGERPRINT_CHARS).replace(VARYING, '#');
  return `${name.slice(0, 64)}:${kind}:${lock.slice(0, FINGERPRINT_CHARS)}:${head.slice(0, FINGERPRINT_CHARS)}`;
}

/** Whether a callback typed to return nothing returned a promise anyway (an `async` function). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
