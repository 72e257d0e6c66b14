/**
 * How failures reach `onError` without a flood (docs/guide.md "Errors"): every distinct failure is reported
 * the first time it happens; identical repetitions are counted and reported as one `RepeatedFailure` at most
 * once per `REPEAT_REPORT_MS`; when a lock request succeeds after a run of failures, one `LockRecovered`
 * says how many failed and for how long. Two failures are identical when their kind, name and message
 * match once numbers and long hex strings are blanked out (ports, versions, durations and request ids vary
 * between repetitions).
 *
 * Time comes from the election's Clock, so the policy runs the same on the simulator's virtual clock.
 */
import { isLockError, LockRecovered, RepeatedFailure } from './errors.ts';

/** At most one count report per distinct failure in this many milliseconds. */
export const REPEAT_REPORT_MS = 10_000;

interface Seen {
  /** Occurrences not yet reported. */
  pending: number;
  /** When it was last reported (first occurrence or a count). */
  reportedAt: number;
}

export class ErrorReporter {
  readonly #sink: (error: unknown, context: string) => void;
  readonly #now: () => number;
  readonly #seen = new Map<string, Seen>();
  /** The current run of failed lock requests: its length, when it began, and which operations failed. */
  #run: { failures: number; since: number; ops: Set<string> } | null = null;

  constructor(sink: (error: unknown, context: string) => void, now: () => number) {
    this.#sink = sink;
    this.#now = now;
  }

  /** Reports `error`, or counts it if the same failure was reported recently. */
  report(error: unknown, context: string): void {
    const key = `${context}\u0000${fingerprint(error)}`;
    const now = this.#now();
    const seen = this.#seen.get(key);
    if (seen === undefined) {
      this.#seen.set(key, { pending: 0, reportedAt: now });
      this.#emit(error, context);
      return;
    }
    seen.pending += 1;
    if (now - seen.reportedAt >= REPEAT_REPORT_MS) {
      this.#emit(new RepeatedFailure(error, seen.pending, now - seen.reportedAt), context);
      seen.pending = 0;
      seen.reportedAt = now;
    }
  }

  /** A lock request (`op`: get, create, update) failed; report it through `report` as well. */
  lockFailed(op: string): void {
    this.#run ??= { failures: 0, since: this.#now(), ops: new Set() };
    this.#run.failures += 1;
    this.#run.ops.add(op);
  }

  /**
   * A lock request was answered. If requests of the same operation had failed, this ends the run with one
   * `LockRecovered` and forgets what was seen, so the next outage is reported from its first failure again.
   * An answer to another operation ends nothing: a follower whose reads succeed while every create fails (a
   * missing namespace) is still failing, and must not say "recovered" each time.
   */
  lockAnswered(op: string, lock: string, context: string): void {
    if (this.#run === null || !this.#run.ops.has(op)) return;
    const run = this.#run;
    this.#run = null;
    this.#seen.clear();
    this.#emit(new LockRecovered(lock, run, this.#now()), context);
  }

  #emit(error: unknown, context: string): void {
    try {
      this.#sink(error, context);
    } catch {
      // The error reporter itself failed; there is nowhere left to report to.
    }
  }
}

function fingerprint(error: unknown): string {
  const kind = isLockError(error) ? error.kind : '';
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `${name}:${kind}:${message.replace(/[0-9a-f]{8,}|\d+/gi, '#')}`;
}
