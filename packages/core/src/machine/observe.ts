/**
 * Observation and the acquire decision: DESIGN rule 1. Lease validity is judged on this candidate's monotonic
 * clock from the moment it first saw the current version of the lock; the record's renewTime is never read.
 */
import type { LockSnapshot } from '../ports.ts';
import type { LeaderElectionRecord } from '../record.ts';
import type { Effect, ElectionContext } from './types.ts';

export interface Observation {
  readonly context: Pick<ElectionContext, 'observed' | 'lastPresent' | 'knownLeader'>;
  readonly effects: Effect[];
}

/**
 * Records a sighting of the lock at `at`. The observation time restarts only when the version changes (any
 * write changes it), so a holder that keeps renewing keeps others waiting, and one that stops does not.
 */
export function observe(ctx: ElectionContext, snapshot: LockSnapshot | null, at: number): Observation {
  const previous = ctx.observed;
  const unchanged = previous !== null && (previous.snapshot?.version ?? null) === (snapshot?.version ?? null);
  const holder = snapshot?.record.holderIdentity ?? '';
  const effects: Effect[] = [];
  let knownLeader = ctx.knownLeader;
  if (holder !== '' && holder !== knownLeader) {
    knownLeader = holder;
    effects.push({ type: 'notify', event: 'newLeader', identity: holder });
  }
  return {
    context: {
      observed: unchanged ? previous : { snapshot, at },
      lastPresent: snapshot ?? ctx.lastPresent,
      knownLeader,
    },
    effects,
  };
}

/** How long others must wait on a record: the holder's own promise, else this candidate's setting. */
export function leaseMs(ctx: ElectionContext, record: LeaderElectionRecord): number {
  return record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds * 1000 : ctx.timing.leaseDurationMs;
}

export type AcquireDecision = 'create' | 'update' | 'wait';

/**
 * What a non-leader may do now, given what it has observed (call after `observe`):
 * - absent lock: create at once unless a live holder was seen before the deletion, in which case wait out
 *   that holder's lease from when the absence was first seen (a hand-deleted lock cannot cut a lease short);
 * - empty holder or own record: write at once;
 * - another holder: write only once its lease has run out on the local clock.
 */
export function decideAcquire(ctx: ElectionContext, at: number): AcquireDecision {
  const observed = ctx.observed;
  if (observed === null) return 'wait';
  const { snapshot } = observed;
  if (snapshot === null) {
    const before = ctx.lastPresent?.record;
    if (!before || before.holderIdentity === '' || before.holderIdentity === ctx.identity) return 'create';
    return at - observed.at >= leaseMs(ctx, before) ? 'create' : 'wait';
  }
  const holder = snapshot.record.holderIdentity;
  if (holder === '' || holder === ctx.identity) return 'update';
  return at - observed.at >= leaseMs(ctx, snapshot.record) ? 'update' : 'wait';
}

/** The monotonic time at which the lease this candidate is waiting out expires, if it waits on one. */
export function leaseExpiry(ctx: ElectionContext): number | undefined {
  const observed = ctx.observed;
  if (observed === null) return undefined;
  const record = observed.snapshot?.record ?? ctx.lastPresent?.record;
  if (!record || record.holderIdentity === '' || record.holderIdentity === ctx.identity) return undefined;
  return observed.at + leaseMs(ctx, record);
}
