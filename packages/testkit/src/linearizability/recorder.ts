/**
 * Records a lock history from live handles: `recorder.wrap(lock)` gives a handle that makes the same calls
 * and logs each one (the call, its answer or its error, on the recorder's clock). The caller gets the very
 * promise the inner lock returned, so recording changes no timing: the log entry is made by a reaction
 * attached before the caller's own.
 *
 * Calls and returns are ordered by a sequence number in the order they happen in this process, which is the
 * real order even when many happen at one instant of a virtual clock.
 */
import { isLockError, type Lock, type LockCallOptions, type LockSnapshot } from '@leasehold/core';
import { type LockHistory, type LockOp, type LockOperation, type LockOutcome, recordKey } from './history.ts';

/** An operation while it is being recorded: its return and outcome are filled in when the answer comes. */
type Pending = { -readonly [K in keyof LockOperation]: LockOperation[K] };

/** What an error means for the register: a definite refusal, or an unknown outcome. */
function errorOutcome(op: LockOp, err: unknown): LockOutcome {
  if (op !== 'get' && isLockError(err, 'Conflict')) return { type: 'conflict' };
  if (op === 'update' && isLockError(err, 'NotFound')) return { type: 'not-found' };
  const error = isLockError(err) ? err.kind : err instanceof Error ? err.name : String(err);
  return { type: 'unknown', error };
}

function snapshotOutcome(snapshot: LockSnapshot | null): LockOutcome {
  return snapshot === null
    ? { type: 'absent' }
    : { type: 'snapshot', version: snapshot.version, record: recordKey(snapshot.record) };
}

/** Logs every call made through its handles; `history()` is the log so far. */
export class HistoryRecorder {
  readonly #now: () => number;
  readonly #ops: Pending[] = [];
  #seq = 0;

  /** `now`: the clock calls are timed on (the simulation's true time). */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Operations recorded so far. */
  get size(): number {
    return this.#ops.length;
  }

  /** `lock`, logging each call made through it under `handle` (default its identity). */
  wrap(lock: Lock, handle: string = lock.identity): Lock {
    const wrapped: Lock = {
      identity: lock.identity,
      describe: () => lock.describe(),
      get: (o?: LockCallOptions) => this.#record(handle, 'get', {}, () => lock.get(o)),
      create: (record, o?: LockCallOptions) =>
        this.#record(handle, 'create', { record: recordKey(record) }, () => lock.create(record, o)),
      update: (record, expectedVersion, o?: LockCallOptions) =>
        this.#record(handle, 'update', { record: recordKey(record), expectedVersion }, () =>
          lock.update(record, expectedVersion, o),
        ),
    };
    if (lock.watch) wrapped.watch = lock.watch.bind(lock);
    return wrapped;
  }

  /** Logs a write of the stored record unchanged under a new version, of unknown outcome (a phantom writer). */
  touch(handle: string): void {
    this.#start(handle, 'touch', {});
  }

  /** The history so far: calls still unanswered are unknown outcomes. */
  history(): LockHistory {
    return this.#ops.map((p) => ({ ...p }));
  }

  #start(handle: string, op: LockOp, input: { record?: string; expectedVersion?: string }): Pending {
    const pending: Pending = {
      id: this.#ops.length,
      handle,
      op,
      ...input,
      call: this.#seq++,
      callMs: this.#now(),
      ret: Number.POSITIVE_INFINITY,
      retMs: Number.POSITIVE_INFINITY,
      outcome: { type: 'unknown', error: 'no answer' },
    };
    this.#ops.push(pending);
    return pending;
  }

  #record<T extends LockSnapshot | null>(
    handle: string,
    op: LockOp,
    input: { record?: string; expectedVersion?: string },
    call: () => Promise<T>,
  ): Promise<T> {
    const pending = this.#start(handle, op, input);
    const finish = (outcome: LockOutcome) => {
      if (outcome.type !== 'unknown') {
        pending.ret = this.#seq++;
        pending.retMs = this.#now();
      }
      pending.outcome = outcome;
    };
    let promise: Promise<T>;
    try {
      promise = call();
    } catch (err) {
      finish(errorOutcome(op, err));
      throw err;
    }
    promise.then(
      (value) => finish(snapshotOutcome(value)),
      (err: unknown) => finish(errorOutcome(op, err)),
    );
    return promise;
  }
}
