/**
 * Wing & Gong's linearizability search with Lowe's just-in-time linearization and a cache of visited
 * (linearized set, state) pairs, as Porcupine does it: walk the history's calls and returns in order; at a
 * call, try to take the operation effect now (if the register allows its answer), else look further; at a
 * return of an operation not yet placed, undo the last placement and try the next candidate. The cache cuts
 * every branch that reaches a configuration already explored.
 *
 * Operations of unknown outcome return at +infinity: they may be placed at any point after their call, or
 * never (the search succeeds once only such operations remain). Reads that match the state are placed at
 * once without branching: a read changes nothing, so placing it early never hides a linearization.
 */
import type { LockOperation } from './history.ts';
import { createdVersions, type RegisterState, stateKey, step } from './register.ts';

/** How the search ended: `ok` (a linearization exists), `fail` (none exists), `budget` (gave up). */
export type SearchOutcome = 'ok' | 'fail' | 'budget';

/** Options of one search. */
export interface SearchOptions {
  /** Steps (placements tried) before giving up. */
  readonly maxSteps: number;
  /**
   * How far back (ms) a read may take effect before its call: 0 is linearizability; more allows reads that
   * lag the writes by that much (each read still answers a state the register had).
   */
  readonly readLagMs: number;
}

interface Node {
  /** Internal index of the operation. */
  readonly op: number;
  /** Its return node, on a call node; `null` on a return node. */
  readonly match: Node | null;
  /** Sort key. */
  readonly key: number;
  prev: Node | null;
  next: Node | null;
}

/**
 * The call keys of reads allowed to lag: a read's call moves back to the first event at or after
 * `callMs - lag`, so it may take effect anywhere from there to its return.
 */
function callKeys(ops: readonly LockOperation[], lagMs: number): number[] {
  if (lagMs <= 0) return ops.map((o) => o.call);
  const events = ops
    .flatMap((o) => [
      { key: o.call, ms: o.callMs },
      ...(Number.isFinite(o.ret) ? [{ key: o.ret, ms: o.retMs }] : []),
    ])
    .sort((a, b) => a.key - b.key);
  return ops.map((o) => {
    if (o.op !== 'get') return o.call;
    const from = o.callMs - lagMs;
    // Events are in key order and their times never go back: binary search the first at or after `from`.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.ms < from) lo = mid + 1;
      else hi = mid;
    }
    const first = events[lo];
    return first === undefined ? o.call : Math.min(o.call, first.key);
  });
}

/** Builds the doubly linked list of calls and returns, in order; calls before returns at equal keys. */
function buildList(ops: readonly LockOperation[], lagMs: number): Node {
  const calls = callKeys(ops, lagMs);
  const entries: { node: Node; isCall: boolean }[] = [];
  ops.forEach((o, i) => {
    const ret: Node = { op: i, match: null, key: o.ret, prev: null, next: null };
    const call: Node = { op: i, match: ret, key: calls[i]!, prev: null, next: null };
    entries.push({ node: call, isCall: true }, { node: ret, isCall: false });
  });
  entries.sort((a, b) => a.node.key - b.node.key || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Node = { op: -1, match: null, key: Number.NEGATIVE_INFINITY, prev: null, next: null };
  let last = head;
  for (const { node } of entries) {
    last.next = node;
    node.prev = last;
    last = node;
  }
  return head;
}

function lift(call: Node): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/** A 32-bit pseudo-random value per operation, for Zobrist hashing of the linearized set. */
function zobrist(n: number): Uint32Array {
  const z = new Uint32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    z[i] = x >>> 0;
  }
  return z;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Searches for a linearization of `history` (reads of unknown outcome must already be dropped). */
export function search(history: readonly LockOperation[], options: SearchOptions): SearchOutcome {
  const ops = history;
  const n = ops.length;
  if (n === 0) return 'ok';
  const ctx = { created: createdVersions(ops) };
  const head = buildList(ops, options.readLagMs);
  const words = (n + 31) >>> 5;
  const linearized = new Uint32Array(words);
  const z = zobrist(n);
  let setHash = 0;
  const cache = new Map<string, Uint32Array[]>();
  const seen = (key: string, bits: Uint32Array): boolean => {
    const bucket = cache.get(key);
    if (!bucket) return false;
    return bucket.some((b) => b.every((w, i) => w === bits[i]));
  };
  const stack: { call: Node; state: RegisterState; forced: boolean }[] = [];
  let state: RegisterState = null;
  let entry: Node | null = head.next;
  let steps = 0;

  while (head.next !== null) {
    if (++steps > options.maxSteps) return 'budget';
    if (entry === null) return 'fail'; // cannot happen: the list ends with return nodes
    if (entry.match !== null) {
      const i = entry.op;
      const next = step(state, ops[i]!, ctx);
      if (next !== undefined) {
        const nextKey = stateKey(next);
        const forced = ops[i]!.op === 'get' && nextKey === stateKey(state);
        linearized[i >>> 5]! |= 1 << (i & 31);
        const key = `${(setHash ^ z[i]!) >>> 0}:${hashString(nextKey)}:${nextKey.length}`;
        const known = seen(key, linearized);
        if (!known) {
          const bucket = cache.get(key) ?? [];
          bucket.push(linearized.slice());
          cache.set(key, bucket);
          stack.push({ call: entry, state, forced });
          state = next;
          setHash = (setHash ^ z[i]!) >>> 0;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[i >>> 5]! &= ~(1 << (i & 31));
        // That configuration was explored and failed; placing this read now is as good as any other choice
        // here, so this configuration fails too.
        if (!forced) {
          entry = entry.next;
          continue;
        }
      } else {
        entry = entry.next;
        continue;
      }
    } else if (!Number.isFinite(entry.key)) {
      // A return not placed before: one that never returns means only unknown-outcome operations are left
      // (every finite return sorts before it), and those may never have taken effect.
      return 'ok';
    }
    let top = stack.pop();
    // A read placed without branching has no alternative: undo it and keep backtracking.
    while (top?.forced) {
      undo(top);
      top = stack.pop();
    }
    if (top === undefined) return 'fail';
    undo(top);
    entry = top.call.next;
  }
  return 'ok';

  function undo(top: { call: Node; state: RegisterState }): void {
    const i = top.call.op;
    state = top.state;
    linearized[i >>> 5]! &= ~(1 << (i & 31));
    setHash = (setHash ^ z[i]!) >>> 0;
    unlift(top.call);
  }
}
