/**
 * Observation and the acquire decision: docs/guide.md rule 1. Lease validity is judged on this candidate's monotonic
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

/**
 * Whether a record is this candidate's own, to renew or retake at once: it names this identity and, once
 * another candidate with the same identity was seen (rule 8), also carries the renewTime of one of this
 * candidate's own writes; a record the twin wrote is someone else's, whose lease must be waited out.
 */
export function isOwnRecord(ctx: ElectionContext, record: LeaderElectionRecord): boolean {
  if (record.holderIdentity !== ctx.identity) return false;
  return !ctx.duplicate || wroteTime(ctx, record.renewTime);
}

/** Whether nobody holds the record, or this candidate does: it may write at once. */
export function isFreeOrOwn(ctx: ElectionContext, record: LeaderElectionRecord): boolean {
  return record.holderIdentity === '' || isOwnRecord(ctx, record);
}

/** The most renewTimes of its own writes a candidate remembers (its writes whose fate it may not know). */
export const OWN_WRITES_KEPT = 8;

/** Remembers the renewTime of a record this candidate is about to write naming itself. */
export function rememberOwnWrite(ctx: ElectionContext, record: LeaderElectionRecord): readonly number[] {
  if (record.holderIdentity !== ctx.identity || record.renewTime === null) return ctx.ownWrites;
  return [...ctx.ownWrites, record.renewTime.getTime()].slice(-OWN_WRITES_KEPT);
}

/**
 * A record time as stored can have lost precision: whole seconds in the ConfigMap annotation. It matches a
 * time this candidate wrote if equal, or if it is that time truncated to the second.
 */
function sameWriteTime(stored: Date | null, written: number): boolean {
  if (stored === null) return false;
  const t = stored.getTime();
  return t === written || (t % 1000 === 0 && Math.floor(written / 1000) * 1000 === t);
}

function wroteTime(ctx: ElectionContext, stored: Date | null): boolean {
  return ctx.ownWrites.some((written) => sameWriteTime(stored, written));
}

/**
 * Rule 8: a leader sees its own identity in a version it does not know, with a renewTime none of its own
 * recent writes carried: another candidate wrote it under the same identity. A version this leader already
 * knows, or one of its own writes whose answer it never got, is not evidence.
 */
export function writtenByTwin(ctx: ElectionContext, snapshot: LockSnapshot | null): boolean {
  if (snapshot === null || snapshot.record.holderIdentity !== ctx.identity) return false;
  if (snapshot.version === ctx.observed?.snapshot?.version) return false;
  return !wroteTime(ctx, snapshot.record.renewTime);
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
    if (!before || isFreeOrOwn(ctx, before)) return 'create';
    return at - observed.at >= leaseMs(ctx, before) ? 'create' : 'wait';
  }
  if (isFreeOrOwn(ctx, snapshot.record)) return 'update';
  return at - observed.at >= leaseMs(ctx, snapshot.record) ? 'update' : 'wait';
}

/** The monotonic time at which the lease this candidate is waiting out expires, if it waits on one. */
export function leaseExpiry(ctx: ElectionContext): number | undefined {
  const observed = ctx.observed;
  if (observed === null) return undefined;
  const record = observed.snapshot?.record ?? ctx.lastPresent?.record;
  if (!record || isFreeOrOwn(ctx, record)) return undefined;
  return observed.at + leaseMs(ctx, record);
}
