/**
 * The sequential specification a lock must look like: a versioned compare-and-swap register (the `Lock`
 * port, packages/core/src/ports.ts). The object is absent, or holds a record under a version.
 *
 * - `get` answers the state: `absent`, or the stored version and record.
 * - `create` applies only on an absent object (else `Conflict`) and stores the record under a new version.
 * - `update(expected)` applies only when the stored version is `expected` (else `Conflict`; `NotFound` when
 *   absent) and stores the record under a new version; writing the very record stored may keep the version
 *   (the API server treats it as a no-op).
 * - `touch` stores the current record unchanged under a new version (the simulator's phantom writer).
 *
 * A `Conflict` is read as "not applied" whatever the stored version: a spurious conflict costs the elector a
 * retry, never safety, so it is not a violation.
 *
 * A write whose answer never came stores its record under a version nobody saw: the state's version is then
 * `UNSEEN`, and the next call that names a version (a read's answer, an update's expected version) binds it,
 * provided that version is not one a definite write created (two writes never share a version).
 */
import type { LockOperation } from './history.ts';

/** The version of a write whose answer was lost: unknown until a later call names it. */
export const UNSEEN = '\u0000unseen';

/** The register's state: `null` when the object does not exist. */
export type RegisterState = { readonly version: string; readonly record: string } | null;

/** A state as a cache key. */
export function stateKey(state: RegisterState): string {
  return state === null ? '\u0000absent' : `${state.version}\u0001${state.record}`;
}

/** What the register needs to know about the whole history. */
export interface RegisterContext {
  /** Versions that definite writes created: an unseen version is never one of them. */
  readonly created: ReadonlySet<string>;
}

/** The versions created by the history's definite writes (a no-op write that kept its version created none). */
export function createdVersions(history: readonly LockOperation[]): Set<string> {
  const created = new Set<string>();
  for (const op of history) {
    if (op.op === 'get' || op.outcome.type !== 'snapshot') continue;
    if (op.op === 'update' && op.outcome.version === op.expectedVersion) continue;
    created.add(op.outcome.version);
  }
  return created;
}

function sameVersion(stored: string, named: string | undefined, ctx: RegisterContext): boolean {
  if (named === undefined) return false;
  return stored === named || (stored === UNSEEN && !ctx.created.has(named));
}

/**
 * The state after `op` takes effect on `state` and answers what it answered; `undefined` when the register
 * cannot give that answer from that state. An unknown outcome is stepped as "it took effect now" (the search
 * also considers "never", by not placing it).
 */
export function step(
  state: RegisterState,
  op: LockOperation,
  ctx: RegisterContext,
): RegisterState | undefined {
  const o = op.outcome;
  switch (op.op) {
    case 'get':
      if (o.type === 'absent') return state === null ? null : undefined;
      if (o.type !== 'snapshot' || state === null || state.record !== o.record) return undefined;
      return sameVersion(state.version, o.version, ctx)
        ? { version: o.version, record: o.record }
        : undefined;
    case 'create':
      if (o.type === 'conflict') return state === null ? undefined : state;
      if (state !== null || op.record === undefined) return undefined;
      if (o.type === 'unknown') return { version: UNSEEN, record: op.record };
      return o.type === 'snapshot' && o.record === op.record
        ? { version: o.version, record: o.record }
        : undefined;
    case 'update':
      if (o.type === 'conflict') return state === null ? undefined : state;
      if (o.type === 'not-found') return state === null ? null : undefined;
      if (state === null || op.record === undefined || !sameVersion(state.version, op.expectedVersion, ctx))
        return undefined;
      if (o.type === 'unknown') return { version: UNSEEN, record: op.record };
      if (o.type !== 'snapshot' || o.record !== op.record) return undefined;
      // A new version, or the same one for a write of the very record stored.
      if (o.version === op.expectedVersion && o.record !== state.record) return undefined;
      return { version: o.version, record: o.record };
    case 'touch':
      return state === null ? undefined : { version: UNSEEN, record: state.record };
  }
}
