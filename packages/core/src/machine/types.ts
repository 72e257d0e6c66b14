/**
 * The statechart's vocabulary: inputs are observed facts stamped with the time they were observed, effects
 * are data the driver carries out. Neither holds functions, so both can be logged, compared and replayed.
 */
import type { LockErrorKind } from '../errors.ts';
import type { LockSnapshot } from '../ports.ts';
import type { LeaderElectionRecord } from '../record.ts';

/** Why a leadership ended, as `onStoppedLeading` is told: the statechart decides it and names it in its effect. */
export type StoppedReason = 'lost' | 'stopped' | 'handedOver' | 'steppedDown';

/**
 * The timers the machine runs; starting one replaces a pending timer of the same name. `coolDown` is a
 * step-down's cool-down under `campaign()`: when it fires the election contends again.
 */
export type TimerName = 'retry' | 'renew' | 'deadline' | 'coolDown';

/** Which public call keeps the election going (`Lifecycle.owner`): `run()` (one leadership) or `campaign()`. */
export type RunMode = 'run' | 'campaign';

/** What a stop asks for: release the lock or not, why leadership ends, and a step-down's cool-down (ms). */
export interface StopRequest {
  /** Write an empty holder (a leader's release) before stopping. */
  readonly release: boolean;
  /** What ends leadership: `stop()` or a step-down (the `stoppedLeading` effect carries it). */
  readonly reason?: 'stopped' | 'steppedDown';
  /** `stepDown(coolDown)`: under `campaign()`, contend again this long after stopping. */
  readonly coolDownMs?: number;
}

/** Every input carries `at` (monotonic ms, for decisions) and `wall` (epoch ms, for record timestamps only). */
export interface Stamp {
  /** Monotonic milliseconds of the candidate's clock when the input was observed: what decisions use. */
  readonly at: number;
  /** Wall-clock epoch milliseconds at the same moment: for the timestamps written into records only. */
  readonly wall: number;
}

/** What the driver feeds the statechart: one observed fact, stamped with when it was observed. */
export type Input =
  /** Begin campaigning: attempt at once. */
  | (Stamp & { readonly type: 'START' })
  /** Attempt (follower) or renew (leader) now, without waiting for the timer: `tryAcquireOrRenew()`. */
  | (Stamp & { readonly type: 'ATTEMPT' })
  | (Stamp & { readonly type: 'TIMER_FIRED'; readonly timer: TimerName })
  /** Result of `readLock`: `null` when the lock object does not exist. */
  | (Stamp & { readonly type: 'LOCK_READ'; readonly snapshot: LockSnapshot | null })
  /** Result of `createLock` / `updateLock`. */
  | (Stamp & { readonly type: 'LOCK_WRITTEN'; readonly snapshot: LockSnapshot })
  | (Stamp & {
      readonly type: 'LOCK_FAILED';
      readonly error: LockErrorKind;
      /** The store's `Retry-After`, when it sent one (ms). */
      readonly retryAfterMs?: number;
    })
  /** A watch notification: the lock now holds `snapshot`. A hint; never required for correctness. */
  | (Stamp & { readonly type: 'LOCK_CHANGED'; readonly snapshot: LockSnapshot | null })
  /**
   * The lock's watch reports whether it is live: `true` promises that every change after the last
   * notification will be notified. Followers poll only while it is not live.
   */
  | (Stamp & { readonly type: 'WATCH_HEALTH'; readonly live: boolean })
  /**
   * Stop campaigning; a leader writes an empty holder first when `release` is set. `reason` is what a
   * leadership this stop ends is reported as: `stopped` (the default) or `steppedDown` (`stepDown()`).
   */
  | (Stamp & { readonly type: 'STOP' } & StopRequest)
  /**
   * A planned handover (leader only; ignored elsewhere): stop leading, then write a record naming `to` as
   * holder, which `to` takes over with a write of its own.
   */
  | (Stamp & { readonly type: 'HANDOVER'; readonly to: string })
  /**
   * The leader's work (the promise `onStartedLeading` returned) has settled after a `stopWork` effect: the
   * stop or handover the leader was asked for goes ahead now.
   */
  | (Stamp & { readonly type: 'WORK_STOPPED' })
  /** `run()` or `campaign()` begins: it owns the election until `RUN_ENDED` (one at a time). */
  | (Stamp & { readonly type: 'RUN'; readonly mode: RunMode })
  /** The `run()` or `campaign()` that owned the election has returned. */
  | (Stamp & { readonly type: 'RUN_ENDED' });

/** The `type` of an `Input`. */
export type InputType = Input['type'];

/** What the statechart asks the driver to do: requests, timers and notifications, as data. */
export type Effect =
  | { readonly type: 'readLock' }
  | { readonly type: 'createLock'; readonly record: LeaderElectionRecord }
  | { readonly type: 'updateLock'; readonly record: LeaderElectionRecord; readonly expectedVersion: string }
  | { readonly type: 'startTimer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly timer: TimerName }
  | { readonly type: 'notify'; readonly event: 'startedLeading' }
  /** Leadership ended, and why: a loss (deadline passed, lock taken, a twin seen), a stop, a step-down or a handover. */
  | { readonly type: 'notify'; readonly event: 'stoppedLeading'; readonly reason: StoppedReason }
  | { readonly type: 'notify'; readonly event: 'newLeader'; readonly identity: string }
  /**
   * A leader asked to stop or hand over: the driver aborts the work's signal (naming the handover's
   * recipient, if any) and sends `WORK_STOPPED` once the promise `onStartedLeading` returned has settled.
   */
  | { readonly type: 'stopWork'; readonly handoverTo: string | null }
  /** A problem the election detected itself; the driver reports it to `onError`. */
  | { readonly type: 'report'; readonly problem: 'DuplicateIdentity'; readonly version: string }
  /**
   * The election starts (a START that leaves `stopped`): the driver opens the lock's watch, if the lock has
   * one, and feeds what it reports back as `LOCK_CHANGED` and `WATCH_HEALTH`.
   */
  | { readonly type: 'openWatch' }
  /**
   * The election has ended (`stopped`, no cool-down to run): the driver closes the watch and drops whatever
   * it reports afterwards. The statechart already counts it as not live (`watchLive: false`).
   */
  | { readonly type: 'closeWatch' };

/** Why a lock operation is in flight; decides how its result is read. */
export type OpPurpose = 'acquire' | 'renew' | 'release' | 'handover';

/** The one lock request in flight, if any, and how to read its answer. */
export interface PendingOp {
  /** The request: a read, a create or a compare-and-swap update. */
  readonly kind: 'read' | 'create' | 'update';
  /** Why it was sent. */
  readonly purpose: OpPurpose;
  /** When the request was issued: a successful write is valid from here, never from its (later) answer. */
  readonly sentAt: number;
  /**
   * For an update, the version it must replace. An answer with this same version was a no-op (Kubernetes
   * keeps the version for identical writes). Compared with this, not with the latest observation, because a
   * watch notification of the write itself may arrive before the write's answer.
   */
  readonly basedOn: string | null;
  /**
   * A watch notification arrived while this request was in flight. With a live watch, a read's answer is
   * then no newer than what the watch said (a later change would be notified too), and may be older: a read
   * served just before a release must not replace the release the watch already reported.
   */
  readonly overtaken: boolean;
}

/** Timing in milliseconds, fixed for the machine's life. */
export interface Timing {
  /** `ElectionConfig.leaseDuration` in ms. */
  readonly leaseDurationMs: number;
  /** `ElectionConfig.renewDeadline` in ms. */
  readonly renewDeadlineMs: number;
  /** `ElectionConfig.retryPeriod` in ms. */
  readonly retryPeriodMs: number;
  /** A follower waits `retryPeriodMs * (1 + random * jitterFactor)` between attempts. */
  readonly jitterFactor: number;
  /** `ElectionConfig.takeoverSlot` in ms: one slot of the takeover stagger (rule 9); 0 turns it off. */
  readonly takeoverSlotMs: number;
}

/** A stop or handover asked of a leader, waiting for the leader's work to stop (`WORK_STOPPED`). */
export type PendingStop =
  | ({ readonly kind: 'stop' } & StopRequest)
  | { readonly kind: 'handover'; readonly to: string };

/**
 * The election's lifecycle: who runs it, what a leader was asked to stop for, a stop waiting for a handover,
 * and a step-down's cool-down.
 */
export interface Lifecycle {
  /** The `run()` or `campaign()` in progress, or `null` (an election driven by `acquire()` or nobody). */
  readonly owner: RunMode | null;
  /** A stop or handover waiting for the leader's work to stop; `null` when none is. */
  readonly pending: PendingStop | null;
  /**
   * A stop asked while a planned handover waits for the leader's work: the handover goes first, and this
   * stop is carried out once it is written (or has failed, or leadership ended otherwise). `null` if none.
   */
  readonly stopAfterHandover: StopRequest | null;
  /** A step-down under `campaign()` on its way to `stopped`: the cool-down (ms) to run there. */
  readonly coolDownMs: number | null;
  /** The cool-down timer runs: `stopped`, but the election contends again when it fires. */
  readonly coolingDown: boolean;
}

/** The lock as this candidate has seen it (rule 1): what it holds, since when, who held it before. */
export interface LeaseView {
  /**
   * The lock as last seen, and when (local monotonic ms) it was first seen in that version. `null` until the
   * first read. A snapshot of `null` means "seen absent".
   */
  readonly observed: { readonly snapshot: LockSnapshot | null; readonly at: number } | null;
  /** The last non-null snapshot seen: who held the lock before it vanished. */
  readonly lastPresent: LockSnapshot | null;
  /** The last non-empty holder reported through `newLeader`. */
  readonly knownLeader: string;
  /**
   * The last versions this candidate saw replaced by a newer one (at most `REPLACED_KEPT`): a notification
   * of one of them is old news (a watch behind this candidate's own reads and writes), never a new holder.
   */
  readonly replacedVersions: readonly string[];
  /**
   * Rule 9: how long (ms) the last holder had led when this candidate first saw it (its record's renewTime
   * minus acquireTime, both in its record), or null. More than the holder's lease (`holderLeaseMs`): this
   * candidate joined well into that holder's term, as the replicas a rolling update starts do.
   */
  readonly holderTenureAtSight: number | null;
  /**
   * Rule 9: how long (ms) the last holder had led in the latest record of it this candidate saw (renewTime
   * minus acquireTime), or null. At a release, a term no longer than the holder's lease means nobody can be
   * newer than it (`newerMayWait`).
   */
  readonly holderTenure: number | null;
  /**
   * Rule 9: the lease duration (ms) in the last holder's latest record this candidate saw (a release keeps
   * it), or null. Every candidate measures a term against this one value, not against its own lease, so
   * that replicas with different lease durations (a rolling update that changes it) agree on who is newer.
   */
  readonly holderLeaseMs: number | null;
}

/** Rule 9: the takeover race this follower is in, and the spread of its slots it has learned. */
export interface Herd {
  /**
   * Rule 9: the version whose takeover this follower is racing for (it took its slot, or wrote); cleared
   * when it sees who won, which teaches it `spread`.
   */
  readonly racingFor: string | null;
  /** Rule 9: when (monotonic ms) it joined the race for `racingFor`. */
  readonly racingSince: number;
  /** Rule 9: the spread of its takeover slots, learned from the takeovers it has seen (0 to MAX_SPREAD). */
  readonly spread: number;
}

/** Rule 8: the records this candidate wrote, and whether another candidate with its identity was seen. */
export interface Twins {
  /**
   * The renewTimes (wall ms) of the last records this candidate wrote naming itself. A record naming this
   * candidate whose renewTime is none of them was written by someone else with the same identity (rule 8).
   */
  readonly ownWrites: readonly number[];
  /** Another candidate with this identity was seen: records naming it are someone else's from now on. */
  readonly duplicate: boolean;
}

/** Releasing, handing over and yielding: what a stop or a handover asked for, and how far it got. */
export interface Handoff {
  /** A stop asked for a release (kept while `releasing` waits for an operation in flight). */
  readonly release: boolean;
  /** Release attempts made; conflicts are re-read, never retried blindly, and at most twice. */
  readonly releaseAttempts: number;
  /** A planned handover under way: the identity this former leader hands the lock to. */
  readonly handoverTo: string | null;
  /** Coordinated: the preferred holder this leader has been told to yield to, until its leadership ends. */
  readonly yieldingTo: string | null;
  /**
   * How the last planned handover ended: its record `written`, `refused` (the lock was no longer this
   * candidate's), or the write `failed`; `null` while one is under way or none was made. `handover()`
   * answers from it.
   */
  readonly handedOver: HandoverOutcome | null;
}

/** How a planned handover ended (`Handoff.handedOver`). */
export type HandoverOutcome = 'written' | 'refused' | 'failed';

/**
 * The statechart's extended state: everything it remembers between inputs, plain data, in parts: the lease
 * view, the takeover herd, twin detection, release and handover, the lifecycle; the rest is the request in
 * flight, the leader's deadline and the failure cadence.
 */
export interface ElectionContext {
  /** Campaigning, stopping, cooling down: the lifecycle the public calls drive. */
  readonly lifecycle: Lifecycle;
  /** This candidate's identity. */
  readonly identity: string;
  /** The durations, fixed for the machine's life. */
  readonly timing: Timing;
  /** `leaseDurationSeconds` written into our records (whole seconds, rounded up). */
  readonly recordLeaseSeconds: number;
  /** State of the pure jitter PRNG. */
  readonly rng: number;
  /** Leader only: monotonic ms after which this candidate must no longer act as leader. */
  readonly deadline: number;
  /**
   * Leader only: the phase of its renewals, an offset (ms) in [0, retryPeriod) drawn when it became leader;
   * it renews at `renewPhase + k * retryPeriod` on the monotonic clock (`renewDelayMs`).
   */
  readonly renewPhase: number;
  /** The lock request in flight, or `null`: the machine sends one at a time. */
  readonly op: PendingOp | null;
  /**
   * The lock's watch last reported itself live. A follower then reads only when the lease it waits on runs
   * out (renewals reach it as notifications) instead of every retry period. Liveness only: every decision
   * still rests on observed versions and compare-and-swap, so a watch that is wrongly live costs time
   * (at most one more lease before a takeover), never safety.
   */
  readonly watchLive: boolean;
  /**
   * The statechart has asked for the lock's watch (`openWatch`) and not closed it since (`closeWatch`): it
   * opens on the START that begins an election and closes when the election ends, not during a cool-down.
   */
  readonly watchOpen: boolean;
  /**
   * Requests that failed in a row (Unavailable, Forbidden, Malformed, or no answer); any answer from the
   * store, a conflict included, resets it. A follower's wait after a failure doubles with each (rule 7).
   */
  readonly failures: number;
  /**
   * Monotonic ms before which no timer sends a request: set by a failure to the end of its back-off, so a
   * failure never leads to a request sooner than one retry period later, whatever else re-arms the timer.
   */
  readonly notBefore: number;
  /**
   * Coordinated leader election: the API server's controller picks the holder among the LeaseCandidates
   * and writes it into the lock; this candidate never takes a lock that does not name it.
   */
  readonly coordinated: boolean;
  /**
   * A takeover write lost (a conflict or a vanished object) and no notification has shown what happened:
   * the next attempt reads instead of trusting the watch's last word.
   */
  readonly mustRead: boolean;
  /** The lock as this candidate has seen it (rule 1): what it holds, since when, who held it before. */
  readonly lease: LeaseView;
  /** Rule 9: the takeover race this follower is in, and the spread of its slots it has learned. */
  readonly herd: Herd;
  /** Rule 8: the records this candidate wrote, and whether another candidate with its identity was seen. */
  readonly twins: Twins;
  /** Releasing, handing over and yielding: what a stop or a handover asked for, and how far it got. */
  readonly handoff: Handoff;
}

/** What the statechart is created with (XState's `input`): the identity, the timing, and the jitter seed. */
export interface MachineInput {
  /** This candidate's identity. */
  readonly identity: string;
  /** The durations, fixed for the machine's life (`ElectionContext.timing`). */
  readonly timing: Timing;
  /** `ElectionConfig.coordinated`: the API server picks the holder; default false. */
  readonly coordinated?: boolean;
  /** `leaseDurationSeconds` to write into records: the lease duration rounded up to whole seconds. */
  readonly recordLeaseSeconds: number;
  /** Seed of the jitter sequence. */
  readonly seed: number;
}

/** What a step of the statechart contributes: a context patch and effects, in order. */
export interface Step {
  /** The context fields the step changes. */
  readonly context: Partial<ElectionContext>;
  /** The effects the step emits, in order. */
  readonly effects: readonly Effect[];
}

/**
 * An action of the statechart: the step it takes for the input being processed. `c` is valid only during
 * the call: the steps of one transition share one context object, written between them, so a step must not
 * keep it (or its own `Step.context`) beyond returning.
 */
export type StepAction = (c: ElectionContext, input: Input) => Step;
