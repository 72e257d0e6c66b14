/**
 * A lock history: every call made on a lock object, with when it was called, when (and whether) it returned
 * and what it returned. The linearizability checker (check.ts) judges it against the versioned
 * compare-and-swap register (register.ts); the recorder (recorder.ts) writes one from live handles.
 */
import type { LeaderElectionRecord } from '@leasehold/core';

/** The lock's three operations, and `touch`: a write of the stored record unchanged under a new version. */
export type LockOp = 'get' | 'create' | 'update' | 'touch';

/**
 * What a call came to:
 * - `snapshot`: an answer carrying a version and a record (a get that found the object, a write that applied);
 * - `absent`: a get that found no object;
 * - `conflict` / `not-found`: a `LockError` of kind `Conflict` / `NotFound` (definitely not applied);
 * - `unknown`: no answer (lost, timed out, still pending at the end) or any other error: the call may have
 *   taken effect at any moment after it was made, or never.
 */
export type LockOutcome =
  | { readonly type: 'snapshot'; readonly version: string; readonly record: string }
  | { readonly type: 'absent' }
  | { readonly type: 'conflict' }
  | { readonly type: 'not-found' }
  | { readonly type: 'unknown'; readonly error?: string };

/** One call in a history. */
export interface LockOperation {
  /** Index in the history, for reports. */
  readonly id: number;
  /** The handle's identity (the candidate, or the tool that made the call). */
  readonly handle: string;
  /** The operation. */
  readonly op: LockOp;
  /** The record written (create, update), as `recordKey` gives it; absent for get and touch. */
  readonly record?: string;
  /** The version an update expected. */
  readonly expectedVersion?: string;
  /**
   * Order of the call among all calls and returns of the history (a sequence number, or a time): one call
   * precedes another only if its `ret` is below the other's `call`.
   */
  readonly call: number;
  /** Order of the return; `Infinity` for an unknown outcome. */
  readonly ret: number;
  /** When it was called, in ms of the clock the history was recorded on (for reports, and read lag). */
  readonly callMs: number;
  /** When it returned (ms), `Infinity` when it never did. */
  readonly retMs: number;
  /** What it came to. */
  readonly outcome: LockOutcome;
}

/** A history of one lock object. */
export type LockHistory = readonly LockOperation[];

const seconds = (d: Date | null) => (d === null ? '-' : String(Math.floor(d.getTime() / 1000)));

/**
 * A record as the register compares it: the fields the conformance checks require to round-trip, times to
 * the second (the coarsest precision a backend may store: ConfigMap annotations).
 */
export function recordKey(r: LeaderElectionRecord): string {
  return [
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.leaderTransitions,
    seconds(r.acquireTime),
    seconds(r.renewTime),
  ].join('|');
}

/** Whether an operation's effect is known: a definite answer. */
export function isDefinite(op: LockOperation): boolean {
  return op.outcome.type !== 'unknown';
}

function ms(t: number): string {
  return Number.isFinite(t) ? `${(t / 1000).toFixed(3)}s` : 'never';
}

/** One operation as a line: handle, operation, expected version, outcome, call and return times. */
export function formatOperation(op: LockOperation): string {
  const holder = (key: string | undefined) =>
    key === undefined ? '' : ` holder=${key.split('|')[0] || '""'}`;
  const input =
    op.op === 'update'
      ? `update(expected ${op.expectedVersion}${holder(op.record)})`
      : op.op === 'create'
        ? `create(${holder(op.record).trim()})`
        : op.op;
  const o = op.outcome;
  const result =
    o.type === 'snapshot'
      ? `version ${o.version}${holder(o.record)}`
      : o.type === 'unknown'
        ? `unknown${o.error ? ` (${o.error})` : ''}`
        : o.type;
  return `#${op.id} ${op.handle}: ${input} -> ${result} [${ms(op.callMs)}, ${ms(op.retMs)}]`;
}
