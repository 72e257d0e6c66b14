/**
 * The records this candidate writes. Rules follow client-go: renewing keeps acquireTime and the transition
 * count; taking over from anyone else (including an empty holder) increments the count, so it is a fencing
 * token that grows with every change of holder. `strategy` and `preferredHolder` are written only in
 * coordinated mode.
 */
import type { LockSnapshot } from '../ports.ts';
import type { LeaderElectionRecord } from '../record.ts';
import { isOwnRecord } from './rules.ts';
import type { ElectionContext } from './types.ts';

/**
 * The coordinated-election fields a write carries over from `record`: in coordinated mode the API server's
 * `strategy` and `preferredHolder` (they are its to set), otherwise none, so a value planted in the lock is
 * cleared by the next write instead of being rewritten every retry period (client-go's uncoordinated
 * elector writes them absent too).
 */
function coordinatedFields(
  ctx: ElectionContext,
  record: LeaderElectionRecord | undefined,
): Pick<LeaderElectionRecord, 'strategy' | 'preferredHolder'> {
  if (!ctx.coordinated || record === undefined) return {};
  return {
    ...(record.strategy ? { strategy: record.strategy } : {}),
    ...(record.preferredHolder ? { preferredHolder: record.preferredHolder } : {}),
  };
}

/** The record that makes this candidate the holder, given what the lock holds now (`null`: absent). */
export function acquireRecord(
  ctx: ElectionContext,
  current: LockSnapshot | null,
  wall: number,
): LeaderElectionRecord {
  const now = new Date(wall);
  // After a deletion, continue the count from the last record seen so the fencing token never goes back.
  const basis = current ?? ctx.lease.lastPresent;
  const own = basis !== null && isOwnRecord(ctx, basis.record);
  const acquireTime = own ? (basis.record.acquireTime ?? now) : now;
  const leaderTransitions =
    basis === null ? 0 : own ? basis.record.leaderTransitions : basis.record.leaderTransitions + 1;
  // Uncoordinated (every renewal of a plain election): the record as one literal, without an empty object
  // spread into it (the copy then grows its properties one at a time, into a store of their own).
  if (!ctx.coordinated)
    return {
      holderIdentity: ctx.identity,
      leaseDurationSeconds: ctx.recordLeaseSeconds,
      acquireTime,
      renewTime: now,
      leaderTransitions,
    };
  return {
    ...coordinatedFields(ctx, basis?.record),
    holderIdentity: ctx.identity,
    leaseDurationSeconds: ctx.recordLeaseSeconds,
    acquireTime,
    renewTime: now,
    leaderTransitions,
  };
}

/** The record a leader writes to renew: what it last wrote, with a new renewTime. */
export function renewRecord(ctx: ElectionContext, wall: number): LeaderElectionRecord {
  return acquireRecord(ctx, ctx.lease.observed?.snapshot ?? null, wall);
}

/** client-go's release record: no holder, a one-second lease, the transition count kept. */
export function releaseRecord(ctx: ElectionContext, wall: number): LeaderElectionRecord {
  const now = new Date(wall);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaderTransitions: ctx.lease.observed?.snapshot?.record.leaderTransitions ?? 0,
  };
}

/**
 * A planned handover's record: `to` as holder for this candidate's lease duration, a new term (the count
 * moves on, as for any change of holder). `to` finds its own identity in the lock and takes it with a write
 * of its own (a candidate takes a record naming it at once); everyone else waits out the lease it names.
 */
export function handoverRecord(ctx: ElectionContext, to: string, wall: number): LeaderElectionRecord {
  const now = new Date(wall);
  const record = ctx.lease.observed?.snapshot?.record;
  return {
    ...(ctx.coordinated && record?.strategy ? { strategy: record.strategy } : {}),
    holderIdentity: to,
    leaseDurationSeconds: ctx.recordLeaseSeconds,
    acquireTime: now,
    renewTime: now,
    leaderTransitions: (record?.leaderTransitions ?? 0) + 1,
  };
}
