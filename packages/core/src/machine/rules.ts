/**
 * The election's rules, each in one place and numbered as in docs/guide.md ("Semantics") and
 * docs/guarantees.md. Every guard of the statechart (`machine.ts`) is a predicate here, under its rule; the
 * steps (`steps.ts`) build requests and timers from the numbers these functions return. Functions here
 * return booleans and numbers only: they build no effect and call no step.
 *
 * 1. Local observed time: lease validity is judged on this candidate's monotonic clock from the moment it
 *    first saw the current version of the lock; the record's renewTime is never compared with a clock.
 * 2. Config inequalities: checked where a config is built (`ElectionConfig` in `../config.ts`).
 * 3. Renew deadline: a write makes or keeps a leader for renewDeadline from when it was *sent*, and only if
 *    it changed the stored version.
 * 4. Compare-and-swap: a conflict or a vanished object is an answer (re-read), never a failure to retry.
 * 5. Release on stop: the empty-holder record (`records.ts`), and when it is written (`MAX_RELEASE_ATTEMPTS`).
 * 6. Transitions: the count each record carries (`records.ts`).
 * 7. Cadence under failure: back-off and the floor under which no timer sends a request.
 * 8. Duplicate identities: a record naming this candidate that it did not write.
 * 9. The takeover herd: which race a follower staggers its write in, and by how much (the slots and their
 *    learning live in `herd.ts`), and the quiet followers that trust a live watch.
 * Then the lifecycle (docs/guide.md "LeaderElection"): a leader's work stops before it stops leading,
 * a step-down under `campaign()` cools down before contending again, under `run()` the end of leadership
 * ends the election, a stop asked during a pending handover waits for the handover, and the lock's watch
 * is open exactly while the election runs.
 * Last, the bookkeeping guards that decide no rule: which timer fired, which request answered, what the
 * caller asked for (stop with or without release, hand over).
 */
import type { LockErrorKind } from '../errors.ts';
import type { LockSnapshot } from '../ports.ts';
import type { LeaderElectionRecord } from '../record.ts';
import { slotOf } from './herd.ts';
import { jittered, nextRandom } from './jitter.ts';
import { appendKept } from './kept.ts';
import type { ElectionContext, Input, PendingOp, StopRequest } from './types.ts';

/** A guard of the statechart: a question about the context and the input being processed. */
export type Guard = (ctx: ElectionContext, input: Input) => boolean;

// ---- rule 1: local observed time --------------------------------------------------------------------------

/** How many replaced versions a candidate remembers (`LeaseView.replacedVersions`). */
export const REPLACED_KEPT = 8;

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
 * - another holder: write only once its lease has run out on the local clock;
 * - coordinated (the API server picks the holder): write only on a record naming this candidate.
 */
export function decideAcquire(ctx: ElectionContext, at: number): AcquireDecision {
  const observed = ctx.lease.observed;
  if (observed === null) return 'wait';
  const { snapshot } = observed;
  // Coordinated: the API server's controller writes the holder; take only a lock that names this candidate.
  if (ctx.coordinated) return snapshot !== null && isOwnRecord(ctx, snapshot.record) ? 'update' : 'wait';
  if (snapshot === null) {
    const before = ctx.lease.lastPresent?.record;
    if (!before || isFreeOrOwn(ctx, before)) return 'create';
    return at - observed.at >= leaseMs(ctx, before) ? 'create' : 'wait';
  }
  if (isFreeOrOwn(ctx, snapshot.record)) return 'update';
  return at - observed.at >= leaseMs(ctx, snapshot.record) ? 'update' : 'wait';
}

/** The monotonic time at which the lease this candidate is waiting out expires, if it waits on one. */
export function leaseExpiry(ctx: ElectionContext): number | undefined {
  const observed = ctx.lease.observed;
  if (observed === null) return undefined;
  const record = observed.snapshot?.record ?? ctx.lease.lastPresent?.record;
  if (!record || isFreeOrOwn(ctx, record)) return undefined;
  return observed.at + leaseMs(ctx, record);
}

/** Whether a decision of `decideAcquire` lets this candidate write now. */
export function mayAcquire(ctx: ElectionContext, at: number): boolean {
  return decideAcquire(ctx, at) !== 'wait';
}

/**
 * Whether `snapshot` is the version this candidate last saw (an absent lock included): a sighting of it
 * restarts nothing, so a holder that keeps renewing keeps others waiting and one that stops does not.
 */
export function sameVersion(ctx: ElectionContext, snapshot: LockSnapshot | null): boolean {
  const previous = ctx.lease.observed;
  return previous !== null && (previous.snapshot?.version ?? null) === (snapshot?.version ?? null);
}

/**
 * Guard: a notification of a version this candidate saw earlier and has since seen replaced (a watch that
 * started, or resumed, behind its own reads and writes): old news, not another holder.
 */
export const staleNotice: Guard = (ctx, input) =>
  input.type === 'LOCK_CHANGED' &&
  input.snapshot !== null &&
  ctx.lease.replacedVersions.includes(input.snapshot.version);

/**
 * Guard: a live watch notified while this read was in flight: it knows at least as much as the read's
 * answer (see PendingOp.overtaken), so the answer does not replace what it said.
 */
export const watchKnowsBetter: Guard = (ctx) => ctx.watchLive && ctx.op?.overtaken === true;

// ---- rule 3: the renew deadline ---------------------------------------------------------------------------

/** The moment a leader made valid by `op` (sent at `op.sentAt`) must stop leading, on its own clock. */
export function deadlineFrom(op: PendingOp, timing: ElectionContext['timing']): number {
  return op.sentAt + timing.renewDeadlineMs;
}

/** The inverse, for observers (the simulator's checker): when the write a leader's deadline rests on was sent. */
export function validitySentAt(ctx: ElectionContext): number {
  return ctx.deadline - ctx.timing.renewDeadlineMs;
}

/**
 * An answered write counts (makes or keeps this candidate leader) if it was sent recently enough that
 * leadership from it has not already expired, and it changed the stored version. Kubernetes answers an
 * identical write (a ConfigMap renewal within the same second) as a no-op keeping the old version; others
 * then see no change, so such a write must not start or extend a lease. Compared with the version the write
 * replaced (`basedOn`), not the latest observation: a notification of the write itself may come first.
 */
export function writeCounts(ctx: ElectionContext, input: Input): boolean {
  return (
    input.type === 'LOCK_WRITTEN' &&
    ctx.op !== null &&
    deadlineFrom(ctx.op, ctx.timing) > input.at &&
    input.snapshot.version !== ctx.op.basedOn
  );
}

/** Guard: a leader whose validity has run out on its own clock, whatever input woke it. */
export const lapsed: Guard = (ctx, input) => !validAt(ctx, input.at);

/** Rule 3: a leader's lease is valid on its own clock until its deadline (`isLeader()` asks this too). */
export function validAt(ctx: ElectionContext, at: number): boolean {
  return at < ctx.deadline;
}

/**
 * Guard: the deadline timer fired. Host timers may fire a fraction of a millisecond before the monotonic
 * clock reaches the deadline: the deadline timer only ever ends leadership, so an early one is set again
 * for what is left, never taken for a renewal (found on the real API server: a renewal sent at the
 * deadline).
 */
export const deadlineTimer: Guard = (_ctx, input) =>
  input.type === 'TIMER_FIRED' && input.timer === 'deadline';

// ---- rule 4: compare-and-swap -----------------------------------------------------------------------------

/** The answer to a lock request (a read or write result, or its failure). */
export function isLockResult(input: Input): boolean {
  return input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_FAILED';
}

/**
 * Whether an input is the store's answer (a conflict or not-found included), not a failure to get one. A
 * create cannot meet a missing object: its NotFound means the namespace is missing, a failure.
 */
export function answered(ctx: ElectionContext, input: Input): boolean {
  return (
    input.type === 'LOCK_READ' ||
    input.type === 'LOCK_WRITTEN' ||
    (input.type === 'LOCK_FAILED' && isContention(input.error, ctx.op?.kind))
  );
}

/**
 * A failed request that is contention, the store's answer rather than a failure to get one: a lost
 * compare-and-swap, or a vanished object, except for a create (a create's NotFound is a missing namespace).
 * The driver reports failures by the same rule.
 */
export function isContention(error: LockErrorKind, request: PendingOp['kind'] | undefined): boolean {
  return error === 'Conflict' || (error === 'NotFound' && request !== 'create');
}

/** Guard: a create lost to another candidate, whose record this one has not read. */
export const lostCreate: Guard = (ctx, input) =>
  input.type === 'LOCK_FAILED' && input.error === 'Conflict' && ctx.op?.kind === 'create';

/** Guard: the lock, as read or notified, now names a holder other than this candidate. */
export const heldByOther: Guard = (ctx, input) =>
  (input.type === 'LOCK_READ' || input.type === 'LOCK_CHANGED') &&
  input.snapshot !== null &&
  input.snapshot.record.holderIdentity !== ctx.identity;

// ---- rule 5: release on stop ------------------------------------------------------------------------------

/** Release writes and re-reads made while stopping, at most; then the lease is left to expire. */
export const MAX_RELEASE_ATTEMPTS = 3;

/** Guard: a stop asked for a release and attempts remain. */
export const releaseAttemptsLeft: Guard = (ctx) =>
  ctx.handoff.release && ctx.handoff.releaseAttempts < MAX_RELEASE_ATTEMPTS;

/**
 * Guard: the answer shows the lock still this candidate's (rule 8 decides what is its own): the release, or
 * a planned handover, may be written on it.
 */
export const answerIsOwn: Guard = (ctx, input) =>
  (input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN') &&
  input.snapshot !== null &&
  isOwnRecord(ctx, input.snapshot.record);

// ---- rule 7: cadence under failure ------------------------------------------------------------------------

/**
 * A failure never leads to a request sooner than one retry period later, however fast it failed (a refused
 * connection answers in microseconds); a follower doubles its wait with each failure in a row, capped so
 * that it still tries at least once a lease (or once per jittered retry period, if that is longer), and waits
 * at least what the store's `Retry-After` asks within that cap.
 *
 * The longest un-jittered back-off: a jittered wait then never exceeds max(lease, (1 + J) retry periods). */
export function backoffCapMs(timing: ElectionContext['timing']): number {
  return Math.max(timing.retryPeriodMs, timing.leaseDurationMs / (1 + timing.jitterFactor));
}

/**
 * A follower's wait after its `failures`-th failure in a row: retryPeriod * 2^(failures - 1), capped at
 * `backoffCapMs`, jittered like every retry, and at least `retryAfterMs` (itself capped at the longest wait).
 */
export function followerBackoff(
  ctx: ElectionContext,
  failures: number,
  retryAfterMs: number | undefined,
): readonly [ms: number, rng: number] {
  const { timing } = ctx;
  const cap = backoffCapMs(timing);
  const base = Math.min(timing.retryPeriodMs * 2 ** Math.min(Math.max(failures - 1, 0), 30), cap);
  const [ms, rng] = jittered(base, timing.jitterFactor, ctx.rng);
  const asked = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0;
  return [Math.max(ms, Math.min(asked, cap * (1 + timing.jitterFactor))), rng];
}

/** A timer for the next request, never before `notBefore`: the floor a failure set stays in force. */
export function notBeforeFloor(ctx: ElectionContext, at: number, ms: number): number {
  return Math.max(ms, ctx.notBefore - at, 0);
}

// ---- rule 3 and 7: the leader's cadence ----------------------------------------------------------------

/**
 * The slots a retry period is cut into for a leader's renewal phase: 40, 50 ms at the default 2 s. Every
 * leader's renewals then fall on one grid of the monotonic clock, so the elections of one process share
 * timer ticks (1,000 leaders: 40 ticks a period, not 1,000), while a slot stays a small part of the time
 * a renewal has before its deadline (an eighth of a retry period in `deriveTimings`' timings).
 */
export const RENEW_PHASE_SLOTS = 40;

/**
 * A new leader's renewal phase: an offset in [0, retryPeriod) on the slot grid, drawn once from the
 * machine's jitter source. Leaders that took their locks in one burst (a restart, a stall) get phases spread
 * over the period instead of renewing together for as long as they lead.
 */
export function drawRenewPhase(
  timing: ElectionContext['timing'],
  rng: number,
): readonly [ms: number, rng: number] {
  const [r, next] = nextRandom(rng);
  const slot = Math.min(Math.floor(r * RENEW_PHASE_SLOTS), RENEW_PHASE_SLOTS - 1);
  return [(slot * timing.retryPeriodMs) / RENEW_PHASE_SLOTS, next];
}

/**
 * The leader's cadence: after an answer at `at`, the next renewal goes at the next point of its phase,
 * `renewPhase + k * retryPeriod` on the monotonic clock, strictly after `at`: a delay in (0, retryPeriod].
 * Never later than one retry period after the answer (the cadence `deriveTimings` counts on), and renewing
 * early is safe: the deadline counts from the send (rule 3). In steady state the renewals are exactly one
 * retry period apart; after a stall (answers late, or a burst the API server drained slowly) each leader
 * returns to its own phase, so renewals a stall bunched together separate again. A failed renewal is
 * retried one retry period after the failure, not on the phase (rule 7); the next answer puts it back.
 */
export function renewDelayMs(timing: ElectionContext['timing'], renewPhase: number, at: number): number {
  const period = timing.retryPeriodMs;
  const into = (at - renewPhase) % period; // negative when `at` is before the phase's origin
  const ms = into < 0 ? -into : period - into;
  // Rounding can leave nothing (a phase point hit exactly): the next point is then a whole period away.
  return ms > 0 && ms <= period ? ms : period;
}

// ---- rule 8: duplicate identities --------------------------------------------------------------------------

/**
 * Whether a record is this candidate's own, to renew or retake at once: it names this identity and, once
 * another candidate with the same identity was seen (rule 8), also carries the renewTime of one of this
 * candidate's own writes; a record the twin wrote is someone else's, whose lease must be waited out.
 */
export function isOwnRecord(ctx: ElectionContext, record: LeaderElectionRecord): boolean {
  if (record.holderIdentity !== ctx.identity) return false;
  return !ctx.twins.duplicate || wroteTime(ctx, record.renewTime);
}

/** Whether nobody holds the record, or this candidate does: it may write at once. */
export function isFreeOrOwn(ctx: ElectionContext, record: LeaderElectionRecord): boolean {
  return record.holderIdentity === '' || isOwnRecord(ctx, record);
}

/** The most renewTimes of its own writes a candidate remembers (its writes whose fate it may not know). */
export const OWN_WRITES_KEPT = 8;

/** Remembers the renewTime of a record this candidate is about to write naming itself. */
export function rememberOwnWrite(ctx: ElectionContext, record: LeaderElectionRecord): readonly number[] {
  if (record.holderIdentity !== ctx.identity || record.renewTime === null) return ctx.twins.ownWrites;
  return appendKept(ctx.twins.ownWrites, record.renewTime.getTime(), OWN_WRITES_KEPT);
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
  return ctx.twins.ownWrites.some((written) => sameWriteTime(stored, written));
}

/**
 * Rule 8: a leader sees its own identity in a version it does not know, with a renewTime none of its own
 * recent writes carried: another candidate wrote it under the same identity. A version this leader already
 * knows, or one of its own writes whose answer it never got, is not evidence.
 */
export function twinRecord(ctx: ElectionContext, snapshot: LockSnapshot | null): boolean {
  if (snapshot === null || snapshot.record.holderIdentity !== ctx.identity) return false;
  if (snapshot.version === ctx.lease.observed?.snapshot?.version) return false;
  return !wroteTime(ctx, snapshot.record.renewTime);
}

/** Guard: the lock, as read or notified, names this candidate in a version a twin wrote (`twinRecord`). */
export const writtenByTwin: Guard = (ctx, input) =>
  (input.type === 'LOCK_READ' || input.type === 'LOCK_CHANGED') && twinRecord(ctx, input.snapshot);

// ---- rule 9: the takeover herd ----------------------------------------------------------------------------

/**
 * The version a takeover write would race the other followers for: a lock held by another (its lease run
 * out) or released, seen through a live watch, with the stagger on. `null` when there is no race to
 * stagger: no live watch (polling followers are spread by their jitter), this candidate's own record, or an
 * absent lock.
 */
export function raceVersion(ctx: ElectionContext): string | null {
  const snapshot = ctx.lease.observed?.snapshot ?? null;
  if (!ctx.watchLive || snapshot === null || ctx.timing.takeoverSlotMs <= 0) return null;
  return isOwnRecord(ctx, snapshot.record) ? null : snapshot.version;
}

/**
 * How long to hold a takeover write on `version` back: this candidate's slot, once per version (when it is
 * already racing for it, its slot has passed and it writes now). At a release, newer candidates go first:
 * one that started well after the last holder took the lock writes at once, and the others one slot later
 * than their own, so that in a rolling update leadership moves to an updated replica, not to an old one
 * about to be replaced in turn (`newerThanHolder`); the others leave that slot only when a newer candidate
 * can exist (`newerMayWait`).
 */
export function staggerMs(ctx: ElectionContext, version: string): number {
  if (ctx.herd.racingFor === version) return 0;
  const released = ctx.lease.observed?.snapshot?.record.holderIdentity === '';
  if (released && newerThanHolder(ctx)) return 0;
  const slot = slotOf(ctx.identity, version, ctx.herd.spread) + (released && newerMayWait(ctx) ? 1 : 0);
  return slot * ctx.timing.takeoverSlotMs;
}

/**
 * At a release, whether a candidate newer than the released term (`newerThanHolder`) may be waiting for
 * it: the term lasted more than the holder's lease (`termLeaseMs`) in the holder's last record this
 * candidate saw, or its length is unknown. A newer candidate first saw the holder more than a lease into its term, on a record no later
 * than the last one; a shorter term has none, and the slot the others would leave it is not waited for
 * (the release is taken as fast as an expiry). A follower whose watch missed the term's last records may
 * judge the term shorter than it was: it then races a newer candidate in its own slot, which costs the
 * preference, never safety.
 */
export function newerMayWait(ctx: ElectionContext): boolean {
  return ctx.lease.holderTenure === null || ctx.lease.holderTenure > termLeaseMs(ctx);
}

/**
 * The lease a term is measured against (rule 9): the one the holder wrote in its record, the same for
 * every candidate that saw it; this candidate's own when the record gave none.
 */
function termLeaseMs(ctx: ElectionContext): number {
  return ctx.lease.holderLeaseMs ?? ctx.timing.leaseDurationMs;
}

/**
 * Whether this candidate joined well into the last holder's term: when it first saw that holder, the holder
 * had led for more than its lease (`termLeaseMs`; its record's renewTime minus acquireTime, both in the
 * record, written by the holder, or the acquireTime by the previous holder at a planned handover: every
 * candidate reads the same values, and none compares them with its own clock). The replicas a rolling update starts join a leader that has led for long;
 * the replicas they replace, and replicas started together with the leader, saw its term begin.
 */
export function newerThanHolder(ctx: ElectionContext): boolean {
  return ctx.lease.holderTenureAtSight !== null && ctx.lease.holderTenureAtSight > termLeaseMs(ctx);
}

/**
 * Whether a follower may act on what its watch last said without reading first: the watch is live, it has
 * shown the lock, and no takeover write has lost since (a lost compare-and-swap means it missed something).
 */
export const watchIsCurrent: Guard = (ctx) => ctx.watchLive && !ctx.mustRead && ctx.lease.observed !== null;

/** Guard: the watch reports itself lost: a waiting follower must poll again. */
export const watchLost: Guard = (_ctx, input) => input.type === 'WATCH_HEALTH' && !input.live;

/**
 * Whether `snapshot` shows who won the race for `racingFor`: a holder of another version. It teaches this
 * candidate the spread of its slots (`learnSpread`).
 */
export function raceWon(ctx: ElectionContext, snapshot: LockSnapshot | null): boolean {
  return (
    ctx.herd.racingFor !== null &&
    snapshot !== null &&
    snapshot.version !== ctx.herd.racingFor &&
    snapshot.record.holderIdentity !== ''
  );
}

/** How many takeover slots have passed since this candidate joined its race, at `at`. */
export function slotsElapsed(ctx: ElectionContext, at: number): number {
  return ctx.timing.takeoverSlotMs > 0 ? (at - ctx.herd.racingSince) / ctx.timing.takeoverSlotMs : 0;
}

// ---- coordinated election (docs/guide.md "Coordinated leader election") ---------------------------------

/**
 * The holder the API server prefers over this leader, when it should yield to it now: coordinated, the lock
 * names another preferred holder, and this leadership has not yielded yet. `null` otherwise. Client-go
 * waits for its lease to run out; this leader hands over at once, its work stopping first.
 */
export function preferredElsewhere(ctx: ElectionContext): string | null {
  // Once per leadership, and not while a stop or handover already waits for the work.
  if (!ctx.coordinated || ctx.handoff.yieldingTo !== null || ctx.lifecycle.pending !== null) return null;
  const preferred = ctx.lease.observed?.snapshot?.record.preferredHolder;
  return preferred && preferred !== ctx.identity ? preferred : null;
}

// ---- lifecycle: stopping, handing over, cooling down ------------------------------------------------------

/**
 * Guard: a leader was asked to stop or hand over and waits for its work to stop (`WORK_STOPPED`): the
 * work is told once, and leadership ends only after it has stopped, the lease still renewed meanwhile.
 */
export const draining: Guard = (ctx) => ctx.lifecycle.pending !== null;

/** Guard: what the leader's work stopped for is a stop (a step-down included). */
export const stopPending: Guard = (ctx) => ctx.lifecycle.pending?.kind === 'stop';

/** Guard: what the leader's work stops for is a planned handover. */
export const handoverPending: Guard = (ctx) => ctx.lifecycle.pending?.kind === 'handover';

/**
 * Guard: a stop was asked while a planned handover waited for the leader's work. The handover goes first
 * (docs/guide.md: `handover()` then `stop()` hands over, then stops); the stop is carried out when the
 * handover is written or failed, or when leadership ends otherwise before that.
 */
export const stopQueued: Guard = (ctx) => ctx.lifecycle.stopAfterHandover !== null;

/**
 * Guard: `run()` owns the election, and `run()` leads once (client-go's `Run`): every way out of leadership
 * (lapsed, another holder, a twin, a handover written or failed, a step-down) ends the election in
 * `stopped` instead of following and campaigning again.
 */
export const runEndsOnLoss: Guard = (ctx) => ctx.lifecycle.owner === 'run';

/**
 * The stop being carried out: the STOP input itself, the one that waited for the leader's work, or the one
 * that waited for a planned handover.
 */
export function stopRequest(ctx: ElectionContext, input: Input): StopRequest | null {
  if (input.type === 'STOP') return input;
  return ctx.lifecycle.pending?.kind === 'stop' ? ctx.lifecycle.pending : ctx.lifecycle.stopAfterHandover;
}

/**
 * Two stops asked before the first is carried out make one: the first's release and reason stand, and a
 * plain `stop()` cancels a step-down's cool-down (the election ends instead of rejoining).
 */
export function foldStops<T extends StopRequest>(first: T, next: StopRequest): T {
  if (next.coolDownMs !== undefined || first.coolDownMs === undefined) return first;
  const { coolDownMs: _cancelled, ...kept } = first;
  return kept as T;
}

/**
 * The cool-down (ms) a stop leads to: a step-down under `campaign()` keeps out of the race for the time it
 * asked, then contends again; any other stop (or a step-down under `run()` or `acquire()`) ends the election.
 */
export function coolDownAfter(ctx: ElectionContext, stop: StopRequest | null): number | null {
  if (ctx.lifecycle.owner !== 'campaign' || stop?.coolDownMs === undefined) return null;
  return stop.coolDownMs;
}

/** The election starts: the lock's watch is to be opened, unless it still is (a cool-down keeps it open). */
export function watchToOpen(ctx: ElectionContext): boolean {
  return !ctx.watchOpen;
}

/** The election has ended (`stopped`, no cool-down running): the lock's watch, if open, is to be closed. */
export function watchToClose(ctx: ElectionContext): boolean {
  return ctx.watchOpen && !ctx.lifecycle.coolingDown;
}

// ---- bookkeeping: no rule, the facts the transitions branch on ------------------------------------------

/** Guard: a lock request is in flight (the machine sends one at a time). */
export const requestInFlight: Guard = (ctx) => ctx.op !== null;

/** Guard: the stop (the input, or the one that waited for the leader's work) asks for a release. */
export const releaseAsked: Guard = (ctx, input) => stopRequest(ctx, input)?.release === true;

/** Guard: the answer is the release write's. */
export const releaseWritten: Guard = (ctx) => ctx.op?.purpose === 'release';

/** Guard: the answer is the planned handover's write. */
export const handoverWritten: Guard = (ctx) => ctx.op?.purpose === 'handover';

/** Every guard the statechart names, by the name it uses. */
export const guards = {
  staleNotice,
  watchKnowsBetter,
  lapsed,
  writeCounts,
  deadlineTimer,
  answered,
  lostCreate,
  heldByOther,
  releaseAttemptsLeft,
  answerIsOwn,
  writtenByTwin,
  watchIsCurrent,
  watchLost,
  requestInFlight,
  releaseAsked,
  releaseWritten,
  handoverWritten,
  draining,
  stopPending,
  handoverPending,
  stopQueued,
  runEndsOnLoss,
} satisfies Record<string, Guard>;
