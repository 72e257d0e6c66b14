/**
 * The steps the statechart's actions take, as pure functions returning a context patch and effects (a
 * `Step`). Each builds requests and timers from the rules in `rules.ts` (the numbers and answers they
 * return); none decides a rule itself, and `rules.ts` never calls back here. No step reads a clock, a timer
 * or a random source: time arrives with the input, entropy as the context's PRNG state.
 *
 * `actions` at the end is the table the statechart registers: each action by the name the machine uses, a
 * function of the context and the input being processed.
 */
import { assertEvent } from 'xstate';
import type { LockSnapshot } from '../ports.ts';
import type { LeaderElectionRecord } from '../record.ts';
import { learnSpread } from './herd.ts';
import { jittered } from './jitter.ts';
import { appendKept } from './kept.ts';
import { stopping } from './lifecycle.ts';
import { acquireRecord, handoverRecord, releaseRecord, renewRecord } from './records.ts';
import {
  answered,
  deadlineFrom,
  decideAcquire,
  drawRenewPhase,
  followerBackoff,
  leaseExpiry,
  mayAcquire,
  notBeforeFloor,
  REPLACED_KEPT,
  raceVersion,
  raceWon,
  rememberOwnWrite,
  renewDelayMs,
  sameVersion,
  slotsElapsed,
  staggerMs,
  stopRequest,
} from './rules.ts';
import type {
  Effect,
  ElectionContext,
  HandoverOutcome,
  Input,
  OpPurpose,
  PendingOp,
  Step,
  StepAction,
  StoppedReason,
} from './types.ts';

export type { Step, StepAction } from './types.ts';

const NOTHING: Step = { context: {}, effects: [] };
/** A sighting's effects when it tells of no new leader (the usual one: a leader's own renewal). */
const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/**
 * Rule 1. Records a sighting of the lock at `at`. The observation time restarts only when the version changes
 * (`sameVersion`). A sighting is fresh news: a lost takeover need not be re-read (`mustRead`). A new holder
 * of the version this candidate was racing for teaches it the spread of its takeover slots (rule 9).
 */
export function sighting(c: ElectionContext, snapshot: LockSnapshot | null, at: number): Step {
  const previous = c.lease.observed;
  const unchanged = sameVersion(c, snapshot);
  const holder = snapshot?.record.holderIdentity ?? '';
  // Again the version this candidate last saw, and last saw present (a leader's renewal is seen twice: in the
  // write's answer, then from its watch), of a known holder, with no read owed and no race won: the sighting
  // changes nothing but which copy of the same stored version `lastPresent` points at. The context is kept,
  // so the step allocates nothing (issue 25: on every renewal).
  if (
    unchanged &&
    snapshot !== null &&
    c.lease.lastPresent?.version === snapshot.version &&
    !c.mustRead &&
    (holder === '' || holder === c.lease.knownLeader) &&
    !(raceWon(c, snapshot) && c.herd.racingFor !== null)
  )
    return NOTHING;
  let effects: readonly Effect[] = NO_EFFECTS;
  let knownLeader = c.lease.knownLeader;
  let holderTenureAtSight = c.lease.holderTenureAtSight;
  // A release (no holder) keeps the tenure its holder had last: rule 9 asks it at the release.
  const holderTenure = holder === '' ? c.lease.holderTenure : tenureOf(snapshot!.record);
  const holderLeaseMs = holder === '' ? c.lease.holderLeaseMs : leaseOf(snapshot!.record);
  if (holder !== '' && holder !== knownLeader) {
    knownLeader = holder;
    effects = [{ type: 'notify', event: 'newLeader', identity: holder }];
    holderTenureAtSight = holderTenure;
  }
  const replaced = previous?.snapshot?.version;
  return {
    context: {
      lease: {
        observed: unchanged ? previous : { snapshot, at },
        replacedVersions:
          !unchanged && replaced !== undefined && replaced !== snapshot?.version
            ? appendKept(c.lease.replacedVersions, replaced, REPLACED_KEPT)
            : c.lease.replacedVersions,
        lastPresent: snapshot ?? c.lease.lastPresent,
        knownLeader,
        holderTenureAtSight,
        holderTenure,
        holderLeaseMs,
      },
      mustRead: false,
      ...(raceWon(c, snapshot) && c.herd.racingFor !== null
        ? {
            herd: {
              ...c.herd,
              racingFor: null,
              spread: learnSpread(c.herd.spread, c.identity, holder, c.herd.racingFor, slotsElapsed(c, at)),
            },
          }
        : {}),
    },
    effects,
  };
}

/** How long (ms) a record's holder had led when it wrote it (both times its own), or null without them. */
function tenureOf(record: LeaderElectionRecord): number | null {
  const { acquireTime, renewTime } = record;
  return acquireTime && renewTime ? renewTime.getTime() - acquireTime.getTime() : null;
}

/** The lease duration (ms) a record's holder wrote, or null when it is not a positive number. */
function leaseOf(record: LeaderElectionRecord): number | null {
  return record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds * 1000 : null;
}

/** A pending request; `basedOn` is the version an update replaces (null for a create or a read). */
function pending(kind: PendingOp['kind'], purpose: OpPurpose, at: number, basedOn: string | null): PendingOp {
  return { kind, purpose, sentAt: at, basedOn, overtaken: false };
}

export function read(purpose: OpPurpose, at: number): Step {
  return { context: { op: pending('read', purpose, at, null) }, effects: [{ type: 'readLock' }] };
}

/** A write request (a create when `expectedVersion` is null); a record naming this candidate is remembered (rule 8). */
export function write(
  c: ElectionContext,
  purpose: OpPurpose,
  at: number,
  record: LeaderElectionRecord,
  expectedVersion: string | null,
): Step {
  const ownWrites = rememberOwnWrite(c, record);
  if (expectedVersion === null) {
    return {
      context: { op: pending('create', purpose, at, null), twins: { ...c.twins, ownWrites } },
      effects: [{ type: 'createLock', record }],
    };
  }
  return {
    context: { op: pending('update', purpose, at, expectedVersion), twins: { ...c.twins, ownWrites } },
    effects: [{ type: 'updateLock', record, expectedVersion }],
  };
}

/** The request in flight is over; an answer ends a run of failures and the back-off it set (rule 7). */
export function settle(c: ElectionContext, input: Input): Step {
  return {
    context: answered(c, input) ? { op: null, failures: 0, notBefore: 0 } : { op: null },
    effects: NO_EFFECTS, // every answer settles: no empty array of its own
  };
}

/**
 * A jittered retry period from `at`, cut short to `expiry` (monotonic ms) when that is still ahead and comes
 * first; never before the floor a failure set (rule 7). An expiry already past cuts nothing short: a request
 * that fails at once must not be retried at once.
 */
export function scheduleRetry(c: ElectionContext, at: number, expiry?: number): Step {
  const [jitteredMs, rng] = jittered(c.timing.retryPeriodMs, c.timing.jitterFactor, c.rng);
  const ms = expiry !== undefined && expiry > at ? Math.min(jitteredMs, expiry - at) : jitteredMs;
  return {
    context: { rng },
    effects: [{ type: 'startTimer', timer: 'retry', ms: notBeforeFloor(c, at, ms) }],
  };
}

/**
 * After a sighting that says wait: with a live watch, sleep until the observed lease runs out (renewals
 * arrive as notifications and move this timer), so a waiting follower sends no request at all while the
 * leader renews; without one, poll every jittered retry period, cut short at expiry.
 */
export function scheduleWait(c: ElectionContext, at: number): Step {
  const expiry = leaseExpiry(c);
  if (expiry === undefined || expiry <= at || !c.watchLive) return scheduleRetry(c, at, expiry);
  return {
    context: {},
    effects: [{ type: 'startTimer', timer: 'retry', ms: notBeforeFloor(c, at, expiry - at) }],
  };
}

/**
 * Take over if rule 1 allows, else wait (`scheduleWait`). A takeover the other followers race for too waits
 * its slot first (rule 9): the retry timer fires at the slot and this runs again, writing then unless the
 * watch has shown a winner meanwhile. `notified`: woken by the watch, not by a timer.
 */
export function acquireOrWait(c: ElectionContext, at: number, wall: number, notified = false): Step {
  const write = acquireWrite(c, at, wall);
  if (write === null) return scheduleWait(c, at);
  const version = raceVersion(c);
  // No race to join (no live watch, takeover slots off, the lock deleted, or a record naming this candidate):
  // the write goes at once, a notification inside a back-off's floor included (docs/guide.md, rule 7).
  if (version === null) return write;
  // Rule 7's floor holds against a notification too: a release notified during a back-off joins the race at
  // the floor, not at once (a timer was armed no earlier than the floor already).
  const stagger = staggerMs(c, version);
  const ms = notified ? notBeforeFloor(c, at, stagger) : stagger;
  const race = {
    herd: {
      ...c.herd,
      racingFor: version,
      racingSince: c.herd.racingFor === version ? c.herd.racingSince : at,
    },
  };
  if (ms === 0) return { context: { ...write.context, ...race }, effects: write.effects };
  return { context: race, effects: [{ type: 'startTimer', timer: 'retry', ms }] };
}

/**
 * A takeover write lost (rule 4: an answer, not a failure). Unless a notification came while it was in
 * flight, the watch has not shown what happened: read before the next attempt.
 */
export function lostRace(c: ElectionContext): Step {
  return { context: { mustRead: c.op?.overtaken !== true }, effects: [] };
}

/** Writes that make this candidate the holder, as rule 1 allows; `null` when it must wait. */
export function acquireWrite(c: ElectionContext, at: number, wall: number): Step | null {
  const decision = decideAcquire(c, at);
  const current = c.lease.observed?.snapshot ?? null;
  if (decision === 'create') return write(c, 'acquire', at, acquireRecord(c, null, wall), null);
  if (decision === 'update' && current !== null)
    return write(c, 'acquire', at, acquireRecord(c, current, wall), current.version);
  return null;
}

/** Rule 7 for a follower: the back-off after its `failures + 1`-th failure in a row. */
export function backOff(c: ElectionContext, at: number, retryAfterMs: number | undefined): Step {
  const failures = c.failures + 1;
  const [wait, rng] = followerBackoff(c, failures, retryAfterMs);
  const ms = notBeforeFloor(c, at, wait);
  return {
    context: { failures, notBefore: at + ms, rng },
    effects: [{ type: 'startTimer', timer: 'retry', ms }],
  };
}

/** Stands for a holder known to exist (a create lost to it) whose record this candidate has not read. */
export const UNSEEN_HOLDER = '(holder not yet read)';

/**
 * A lost create (Conflict) proves that another candidate holds the lock, though this one has not read its
 * record. Remember that holder as present from now, with this candidate's own lease duration: if the lock
 * then vanishes (deleted by hand) before this candidate reads it, it waits out a lease instead of creating
 * at once while that holder may still be leading. Found by the multi-process test on the real API server.
 */
export function unseenHolder(c: ElectionContext, at: number): Step {
  const lastPresent: LockSnapshot = {
    version: '',
    raw: undefined,
    record: {
      holderIdentity: UNSEEN_HOLDER,
      leaseDurationSeconds: 0, // unknown: leaseMs() falls back to this candidate's own leaseDuration
      acquireTime: null,
      renewTime: null,
      leaderTransitions: c.lease.lastPresent?.record.leaderTransitions ?? 0,
    },
  };
  return { context: { lease: { ...c.lease, observed: { snapshot: null, at }, lastPresent } }, effects: [] };
}

/** The deadline and renew timers of a leader whose deadline is `deadline`: renew on its phase (`renewDelayMs`). */
function leaseTimers(c: ElectionContext, at: number, deadline: number, renewPhase = c.renewPhase): Step {
  return {
    context: { deadline },
    effects: [
      { type: 'startTimer', timer: 'deadline', ms: deadline - at },
      { type: 'startTimer', timer: 'renew', ms: renewDelayMs(c.timing, renewPhase, at) },
    ],
  };
}

/**
 * The acquiring write counted (rule 3): this candidate leads until renewDeadline after it was sent, and
 * renews on a phase of its own, drawn now (`drawRenewPhase`).
 */
export function becomeLeader(c: ElectionContext, op: PendingOp, at: number): Step {
  const [renewPhase, rng] = drawRenewPhase(c.timing, c.rng);
  const timers = leaseTimers(c, at, deadlineFrom(op, c.timing), renewPhase);
  return {
    context: { ...timers.context, renewPhase, rng },
    effects: [
      { type: 'cancelTimer', timer: 'retry' },
      { type: 'notify', event: 'startedLeading' },
      ...timers.effects,
    ],
  };
}

/** A renewal counted (rule 3): the deadline moves to renewDeadline after it was sent. */
export function extendLease(c: ElectionContext, op: PendingOp, at: number): Step {
  return leaseTimers(c, at, Math.max(c.deadline, deadlineFrom(op, c.timing)));
}

/** A renewal answered as a no-op (same version): it extends nothing; renew again on schedule. */
export function keepLease(c: ElectionContext, at: number): Step {
  return leaseTimers(c, at, c.deadline);
}

/**
 * The renew timer (or ATTEMPT): one compare-and-swap on the version this leader last wrote. No read first:
 * if anything else wrote meanwhile, the write fails with a conflict and the leader re-reads (rule 4).
 */
export function renew(c: ElectionContext, at: number, wall: number): Step {
  const current = c.lease.observed?.snapshot ?? null;
  if (current === null) return read('renew', at);
  return write(c, 'renew', at, renewRecord(c, wall), current.version);
}

/** The re-read after a conflict found the lock still this leader's, or gone: write on the fresh version. */
export function renewOnRead(c: ElectionContext, at: number, wall: number): Step {
  const current = c.lease.observed?.snapshot ?? null;
  if (current === null) return write(c, 'renew', at, acquireRecord(c, null, wall), null);
  return write(c, 'renew', at, renewRecord(c, wall), current.version);
}

/**
 * A failed renewal: retry one retry period later, however fast it failed (rule 7), and no sooner whatever
 * else happens; the deadline timer bounds how long this can go on. A leader keeps this cadence (no back-off,
 * no Retry-After beyond it): its lease is at stake.
 */
export function failRenewal(c: ElectionContext, at: number): Step {
  return {
    context: { failures: c.failures + 1, notBefore: at + c.timing.retryPeriodMs },
    effects: [{ type: 'startTimer', timer: 'renew', ms: c.timing.retryPeriodMs }],
  };
}

/** A planned handover ended, as `outcome` says. */
function endHandover(c: ElectionContext, outcome: HandoverOutcome): Step {
  return { context: { handoff: { ...c.handoff, handoverTo: null, handedOver: outcome } }, effects: [] };
}

/**
 * Leadership is lost (deadline passed, lock taken, a twin seen): tell the driver. Whether the election goes
 * on (`retryAfterLoss`) or ends (under `run()`) is the statechart's next branch, `leadershipLost`.
 */
export function stepDown(c: ElectionContext): Step {
  return {
    context: { deadline: 0, handoff: { ...c.handoff, yieldingTo: null } },
    effects: [
      { type: 'cancelTimer', timer: 'renew' },
      { type: 'cancelTimer', timer: 'deadline' },
      { type: 'notify', event: 'stoppedLeading', reason: 'lost' },
    ],
  };
}

/** A former leader campaigns again: a retry period from now, unless a request in flight will schedule it. */
export function retryAfterLoss(c: ElectionContext, at: number): Step {
  return c.op === null ? scheduleRetry(c, at) : NOTHING;
}

/** The deadline timer fired before the deadline on this clock: set it again for the rest. */
export function rearmDeadline(c: ElectionContext, at: number): Step {
  return { context: {}, effects: [{ type: 'startTimer', timer: 'deadline', ms: c.deadline - at }] };
}

/**
 * Stop while leading (a stop, a step-down or a handover, as `reason` says): leadership ends now; the
 * release write follows once no request is in flight.
 */
export function stopLeading(
  c: ElectionContext,
  release: boolean,
  reason: StoppedReason,
  handoverTo: string | null = c.handoff.handoverTo,
): Step {
  return {
    context: {
      handoff: { release, releaseAttempts: 0, yieldingTo: null, handoverTo, handedOver: null },
      deadline: 0,
    },
    effects: [
      { type: 'cancelTimer', timer: 'renew' },
      { type: 'cancelTimer', timer: 'deadline' },
      { type: 'notify', event: 'stoppedLeading', reason },
    ],
  };
}

/** The empty-holder write (rule 5), compare-and-swap on the version last seen; nothing if none was seen. */
export function writeRelease(c: ElectionContext, at: number, wall: number): Step {
  const current = c.lease.observed?.snapshot ?? null;
  if (current === null) return { context: { op: null }, effects: [] };
  return {
    context: {
      op: pending('update', 'release', at, current.version),
      handoff: { ...c.handoff, releaseAttempts: c.handoff.releaseAttempts + 1 },
    },
    effects: [{ type: 'updateLock', record: releaseRecord(c, wall), expectedVersion: current.version }],
  };
}

/** A release failed: read once more to see whether the lock is still ours (conflicts are never blind). */
export function rereadForRelease(c: ElectionContext, at: number): Step {
  const step = read('release', at);
  return {
    context: { ...step.context, handoff: { ...c.handoff, releaseAttempts: c.handoff.releaseAttempts + 1 } },
    effects: step.effects,
  };
}

/**
 * The planned handover's write: a record naming the chosen candidate as holder (a new term), compare-and-swap
 * on the version last seen; a read first if none was seen (a leader always has: it wrote it).
 */
export function writeHandover(c: ElectionContext, at: number, wall: number): Step {
  const current = c.lease.observed?.snapshot ?? null;
  if (current === null || c.handoff.handoverTo === null) return read('handover', at);
  return {
    context: { op: pending('update', 'handover', at, current.version) },
    effects: [
      {
        type: 'updateLock',
        record: handoverRecord(c, c.handoff.handoverTo, wall),
        expectedVersion: current.version,
      },
    ],
  };
}

// ---- the actions, as the statechart names them --------------------------------------------------------------

const cancelRetry: Effect = { type: 'cancelTimer', timer: 'retry' };

/** `first`'s effects, then `step`'s, with `step`'s context patch (a cancel before a step that re-arms). */
function after(first: readonly Effect[], step: Step): Step {
  return { context: step.context, effects: [...first, ...step.effects] };
}

/** Every action of the statechart by the name it uses; each a step of this file. */
export const actions = {
  // ---- observation and requests ----------------------------------------------------------------------
  /** Rule 1: remember what the lock holds now, and when this version was first seen. */
  observe: (c, input) => {
    assertEvent(input, ['LOCK_READ', 'LOCK_WRITTEN', 'LOCK_CHANGED']);
    return sighting(c, input.snapshot, input.at);
  },
  /** The request in flight is over (rule 7: an answer ends a run of failures). */
  settle,
  /** Read the lock: the only way to learn whether a lease ran out. */
  attempt: (_c, input) => after([cancelRetry], read('acquire', input.at)),
  /**
   * Write if rule 1 allows (after its slot, in a race: rule 9), else wait: until expiry with a live watch,
   * else a jittered retry period.
   */
  acquireOrWait: (c, input) => acquireOrWait(c, input.at, input.wall),
  /**
   * A notification while campaigning and idle: act at once if the lock is free; with a live watch, move the
   * wake-up to the expiry of what was just seen (a renewal pushes it a lease further).
   */
  actOnNotice: (c, input) => {
    if (mayAcquire(c, input.at)) return after([cancelRetry], acquireOrWait(c, input.at, input.wall, true));
    return c.watchLive ? scheduleWait(c, input.at) : NOTHING;
  },
  /**
   * A notification while a request is in flight: with a live watch, the answer of a read in flight is then
   * no newer than what the watch said, and may be older (see PendingOp.overtaken).
   */
  markOvertaken: (c) =>
    c.op === null ? NOTHING : { context: { op: { ...c.op, overtaken: true } }, effects: [] },
  /** A takeover write lost: read before the next attempt unless a notification already told (rule 9). */
  lostRace,
  /** A lost create proves a holder this candidate has not read: count it as seen (see `unseenHolder`). */
  noteUnseenHolder: (c, input) => unseenHolder(c, input.at),
  /** After an answer that says wait: a jittered retry period, less if a lease still ahead runs out sooner. */
  retry: (c, input) => scheduleRetry(c, input.at, leaseExpiry(c)),
  /** Rule 7: a failure backs off; the floor it sets holds against every other timer. */
  backOff: (c, input) => {
    assertEvent(input, 'LOCK_FAILED');
    return backOff(c, input.at, input.retryAfterMs);
  },
  noteWatchHealth: (_c, input) => {
    assertEvent(input, 'WATCH_HEALTH');
    return { context: { watchLive: input.live }, effects: [] };
  },
  /** The watch was lost while waiting: poll again instead of sleeping until an expiry it may not learn of. */
  wait: (c, input) => scheduleWait(c, input.at),
  /** A stop (the input, or the one that waited for the leader's work) while not leading. */
  stopCampaign: (c, input) => {
    const release = stopRequest(c, input)?.release ?? false;
    return {
      context: { handoff: { ...c.handoff, release, releaseAttempts: 0 }, ...stopping(c, input) },
      effects: [cancelRetry],
    };
  },

  // ---- leading -------------------------------------------------------------------------------------------
  /** Rule 3: the acquiring write counted; lead until renewDeadline after it was sent. */
  becomeLeader: (c, input) => (c.op === null ? NOTHING : becomeLeader(c, c.op, input.at)),
  renew: (c, input) => renew(c, input.at, input.wall),
  /** Rule 3: a renewal counted; the deadline moves to renewDeadline after it was sent. */
  extendLease: (c, input) => (c.op === null ? NOTHING : extendLease(c, c.op, input.at)),
  /** A renewal the store answered as a no-op: it extends nothing. */
  keepLease: (c, input) => keepLease(c, input.at),
  /** Rule 4: a conflict or a vanished lock is re-read, never rewritten blindly. */
  rereadForRenewal: (_c, input) => read('renew', input.at),
  renewOnRead: (c, input) => renewOnRead(c, input.at, input.wall),
  failRenewal: (c, input) => failRenewal(c, input.at),
  stepDown: (c) => stepDown(c),
  retryAfterLoss: (c, input) => retryAfterLoss(c, input.at),
  /** Rule 8: report the twin; from now on records naming this identity are someone else's. */
  reportTwin: (c, input) => {
    assertEvent(input, ['LOCK_READ', 'LOCK_CHANGED']);
    const version = input.snapshot?.version ?? '';
    return {
      context: { twins: { ...c.twins, duplicate: true } },
      effects: [{ type: 'report', problem: 'DuplicateIdentity', version }],
    };
  },
  rearmDeadline: (c, input) => rearmDeadline(c, input.at),

  // ---- stopping ------------------------------------------------------------------------------------------
  /** The stop that waited for the leader's work: leadership ends now. */
  stopLeading: (c, input) => {
    const stop = stopRequest(c, input);
    const step = stopLeading(c, stop?.release ?? false, stop?.reason ?? 'stopped');
    return { context: { ...step.context, ...stopping(c, input) }, effects: step.effects };
  },
  /** Rule 5: write the empty holder on the version last seen. */
  writeRelease: (c, input) => writeRelease(c, input.at, input.wall),
  rereadForRelease: (c, input) => rereadForRelease(c, input.at),

  // ---- planned handover ------------------------------------------------------------------------------------
  /** Leadership ends now (the driver stopped the leader's work first); remember whom to hand it to. */
  beginHandover: (c) => {
    const pending = c.lifecycle.pending;
    if (pending?.kind !== 'handover') return NOTHING;
    const step = stopLeading(c, false, 'handedOver', pending.to);
    return {
      context: { ...step.context, lifecycle: { ...c.lifecycle, pending: null } },
      effects: step.effects,
    };
  },
  /** The record naming the chosen candidate, compare-and-swap on the version last seen. */
  writeHandover: (c, input) => writeHandover(c, input.at, input.wall),
  /** The handover's record is written: the chosen candidate takes the lock with a write of its own. */
  handoverDone: (c) => endHandover(c, 'written'),
  /** The lock turned out to be another's already: there was nothing left to hand over. */
  handoverRefused: (c) => endHandover(c, 'refused'),
  /** The handover's write failed (or lost the compare-and-swap): its lease runs out as after a crash. */
  handoverFailed: (c) => endHandover(c, 'failed'),
} satisfies Record<string, StepAction>;
