/**
 * Is a lock history one a compare-and-swap register could have produced? `checkLinearizability` answers
 * with one of four verdicts (docs/model-checking.md):
 *
 * - `linearizable`;
 * - `stale-reads`: only if reads may lag the writes by up to `readLagMs` (every write is still an exact
 *   compare-and-swap; the election tolerates it at a cost in failover time);
 * - `violation`: not even then, with a minimal set of operations that cannot be ordered;
 * - `unknown`: the step budget ran out first. Never a pass.
 */
import { formatOperation, type LockHistory, type LockOperation } from './history.ts';
import { search } from './search.ts';

/** Options of `checkLinearizability`. */
export interface LinearizabilityOptions {
  /** Steps of each search before giving up with `unknown`; default 200,000. */
  readonly maxSteps?: number;
  /** How far reads may lag the writes (ms) for the `stale-reads` verdict; default 0 (none allowed). */
  readonly readLagMs?: number;
  /** Shrink a violation to a minimal set of operations (default true). */
  readonly minimize?: boolean;
}

/** A history no compare-and-swap register could have produced. */
export interface LinearizabilityViolation {
  /** No order of the operations fits the register. */
  readonly verdict: 'violation';
  /**
   * The answers that cannot be ordered, as recorded: the history as it stood when the first impossible
   * answer came, relaxed one operation at a time while it stayed impossible (a read or a refusal dropped, a
   * write's answer forgotten, as if it had been lost). Every write in that history stays in it, applied or
   * not as suits the register: `unknownWrites` counts those whose answer is not among `operations`.
   */
  readonly operations: readonly LockOperation[];
  /** Writes of that history whose answers were lost or are not needed (they may or may not have applied). */
  readonly unknownWrites: number;
  /** Whether relaxing finished (no single further relaxation keeps it impossible); false on its budget. */
  readonly minimal: boolean;
  /** When (ms) the first answer that cannot be ordered arrived. */
  readonly atMs: number;
  /** The operations, one line each. */
  readonly detail: string;
}

/** The verdict on a lock history. */
export type LinearizabilityResult =
  | { readonly verdict: 'linearizable' }
  | { readonly verdict: 'stale-reads'; readonly readLagMs: number }
  | LinearizabilityViolation
  | { readonly verdict: 'unknown'; readonly reason: string };

const DEFAULT_MAX_STEPS = 200_000;
/** Searches the shrinking of one violation may make; past them, the report says it is not minimal. */
const MINIMIZE_SEARCHES = 400;
/** Steps of each of those searches. */
const MINIMIZE_STEPS = 10_000;

/** The history the search works on: reads of unknown outcome constrain nothing and are left out. */
function searchable(history: LockHistory): LockOperation[] {
  return history.filter((o) => !(o.op === 'get' && o.outcome.type === 'unknown'));
}

/** Checks `history` against the compare-and-swap register; see the module comment for the verdicts. */
export function checkLinearizability(
  history: LockHistory,
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const readLagMs = options.readLagMs ?? 0;
  const ops = searchable(history);
  const strict = search(ops, { maxSteps, readLagMs: 0 });
  if (strict === 'ok') return { verdict: 'linearizable' };
  if (strict === 'budget') return { verdict: 'unknown', reason: `no answer within ${maxSteps} steps` };
  let lag = 0;
  if (readLagMs > 0) {
    const relaxed = search(ops, { maxSteps, readLagMs });
    if (relaxed === 'ok') return { verdict: 'stale-reads', readLagMs };
    if (relaxed === 'budget')
      return {
        verdict: 'unknown',
        reason: `not linearizable, and no answer within ${maxSteps} steps with reads lagging up to ${readLagMs} ms`,
      };
    lag = readLagMs;
  }
  return minimalViolation(ops, { maxSteps, readLagMs: lag }, options.minimize ?? true);
}

/** An operation whose answer is forgotten: a write of unknown outcome. */
function forget(op: LockOperation): LockOperation {
  return {
    ...op,
    ret: Number.POSITIVE_INFINITY,
    retMs: Number.POSITIVE_INFINITY,
    outcome: { type: 'unknown' },
  };
}

/**
 * The history as it stood at return key `cut`: what had returned by then keeps its answer; writes still
 * pending become unknown outcomes, reads still pending are dropped.
 */
function observedAt(ops: readonly LockOperation[], cut: number): LockOperation[] {
  const out: LockOperation[] = [];
  for (const op of ops) {
    if (op.call > cut) continue;
    if (op.ret <= cut) out.push(op);
    else if (op.op !== 'get') out.push(op.outcome.type === 'unknown' ? op : forget(op));
  }
  return out;
}

/**
 * Shrinks a history that cannot be ordered: first to the earliest moment it could not (a history that
 * cannot be ordered stays so as it grows), then by relaxing one operation at a time while it still cannot be
 * ordered, until no single relaxation keeps it so. Relaxing only removes constraints (a read or a refused
 * call dropped, a write's answer forgotten); a write itself is never dropped, since a history without a write
 * that happened can be impossible for the wrong reason.
 */
function minimalViolation(
  ops: readonly LockOperation[],
  options: { maxSteps: number; readLagMs: number },
  minimize: boolean,
): LinearizabilityViolation {
  const fails = (h: readonly LockOperation[]) => search(h, options) === 'fail';
  // While shrinking, a history that cannot be settled quickly counts as "not shown impossible": forgetting
  // many answers at once makes searches explode, and the smaller chunks that follow settle fast.
  const quickly = (h: readonly LockOperation[]) =>
    search(h, { ...options, maxSteps: Math.min(options.maxSteps, MINIMIZE_STEPS) });
  const cuts = [...new Set(ops.filter((o) => Number.isFinite(o.ret)).map((o) => o.ret))].sort(
    (a, b) => a - b,
  );
  // The whole history fails, so the last cut does; find the first that does.
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(observedAt(ops, cuts[mid]!))) hi = mid;
    else lo = mid + 1;
  }
  const prefix = cuts.length > 0 ? observedAt(ops, cuts[lo]!) : [];
  let current = prefix.length > 0 && fails(prefix) ? prefix : [...ops];
  const atMs = Math.max(0, ...current.filter((o) => Number.isFinite(o.retMs)).map((o) => o.retMs));

  // Relax in chunks first, halving their size down to single operations (delta debugging): most of a long
  // history is irrelevant and goes in a few searches; the core costs one search per operation at the end.
  // A dropped operation leaves an empty slot, so chunks keep their positions.
  let slots: (LockOperation | null)[] = current;
  let minimal = minimize;
  let budget = MINIMIZE_SEARCHES;
  let undecided = false;
  const relaxable = (op: LockOperation | null) =>
    op !== null && (op.op === 'get' || op.outcome.type !== 'unknown');
  const relax = (op: LockOperation): LockOperation | null =>
    op.op === 'get' || op.outcome.type !== 'snapshot' ? null : forget(op);
  for (let size = Math.ceil(slots.length / 2); minimize && minimal; size = Math.ceil(size / 2)) {
    let changed = false;
    for (let from = 0; from < slots.length; from += size) {
      if (!slots.slice(from, from + size).some(relaxable)) continue;
      if (--budget < 0) {
        minimal = false;
        break;
      }
      const candidate = slots.map((op, i) =>
        i >= from && i < from + size && op !== null && relaxable(op) ? relax(op) : op,
      );
      const outcome = quickly(candidate.filter((op) => op !== null));
      if (outcome === 'fail') {
        slots = candidate;
        changed = true;
      }
      // An unsettled single relaxation leaves it open whether that operation is needed.
      if (size === 1 && outcome === 'budget') undecided = true;
    }
    if (size === 1 && !changed) break;
  }
  if (undecided) minimal = false;
  current = slots.filter((op) => op !== null);
  const original = new Map(ops.map((o) => [o.id, o]));
  const operations = current
    .filter((o) => o.outcome.type !== 'unknown')
    .map((o) => original.get(o.id) ?? o)
    .sort((a, b) => a.call - b.call);
  const unknownWrites = current.length - operations.length;
  const detail = [
    ...operations.map(formatOperation),
    `(with ${unknownWrites} other write(s) that may or may not have applied)`,
  ].join('\n');
  return { verdict: 'violation', operations, unknownWrites, minimal, atMs, detail };
}
