/**
 * The work each transition does, as pure functions of (context, input) returning a context patch and the
 * effects to carry out. The statechart in `machine.ts` decides *which* plan runs; these decide *what* it
 * emits. No plan reads a clock, a timer or a random source: time arrives stamped on the input.
 */
import type { LockSnapshot } from '../ports.ts';
import type { LeaderElectionRecord } from '../record.ts';
import { followerBackoff, notBeforeFloor } from './cadence.ts';
import { jittered } from './jitter.ts';
import { decideAcquire, leaseExpiry, observe, rememberOwnWrite } from './observe.ts';
import { acquireRecord, releaseRecord, renewRecord } from './records.ts';
import type { Effect, ElectionContext, Input, OpPurpose, PendingOp } from './types.ts';

export interface Plan {
  readonly context: Partial<ElectionContext>;
  readonly effects: readonly Effect[];
}

type In<T extends Input['type']> = Extract<Input, { type: T }>;

/** Folds plan steps left to right, each seeing the context the previous ones produced. */
function chain(ctx: ElectionContext, ...steps: ((c: ElectionContext) => Plan)[]): Plan {
  let context = ctx;
  let patch: Partial<ElectionContext> = {};
  const effects: Effect[] = [];
  for (const step of steps) {
    const plan = step(context);
    context = { ...context, ...plan.context };
    patch = { ...patch, ...plan.context };
    effects.push(...plan.effects);
  }
  return { context: patch, effects };
}

/** A pending request; `basedOn` is the version an update replaces (null for a create or a read). */
const op = (
  kind: PendingOp['kind'],
  purpose: OpPurpose,
  at: number,
  basedOn: string | null = null,
): PendingOp => ({
  kind,
  purpose,
  sentAt: at,
  basedOn,
  overtaken: false,
});

const seen =
  (snapshot: LockSnapshot | null, at: number) =>
  (c: ElectionContext): Plan =>
    observe(c, snapshot, at);

/**
 * Whether an input is the store's answer (a conflict or not-found included), not a failure to get one. A
 * create cannot meet a missing object: its NotFound means the namespace is missing, a failure.
 */
const answered = (ctx: ElectionContext, input: Input): boolean =>
  input.type === 'LOCK_READ' ||
  input.type === 'LOCK_WRITTEN' ||
  (input.type === 'LOCK_FAILED' &&
    (input.error === 'Conflict' || (input.error === 'NotFound' && ctx.op?.kind !== 'create')));

/** The request in flight is over; an answer ends a run of failures and the back-off it set (rule 7). */
const settle =
  (input: Input) =>
  (c: ElectionContext): Plan => ({
    context: answered(c, input) ? { op: null, failures: 0, notBefore: 0 } : { op: null },
    effects: [],
  });

/** A write request and its pending operation; a record naming this candidate is remembered (rule 8). */
function write(
  c: ElectionContext,
  purpose: OpPurpose,
  at: number,
  record: LeaderElectionRecord,
  expectedVersion: string | null,
): Plan {
  const ownWrites = rememberOwnWrite(c, record);
  if (expectedVersion === null) {
    return {
      context: { op: op('create', purpose, at), ownWrites },
      effects: [{ type: 'createLock', record }],
    };
  }
  return {
    context: { op: op('update', purpose, at, expectedVersion), ownWrites },
    effects: [{ type: 'updateLock', record, expectedVersion }],
  };
}

/**
 * A jittered retry period from `at`, cut short to `expiry` (monotonic ms) when that is still ahead and comes
 * first; never before the floor a failure set (rule 7). An expiry already past cuts nothing short: a
 * request that fails at once must not be retried at once.
 */
const scheduleRetry = (c: ElectionContext, at: number, expiry?: number): Plan => {
  const [jitteredMs, rng] = jittered(c.timing.retryPeriodMs, c.timing.jitterFactor, c.rng);
  const ms = expiry !== undefined && expiry > at ? Math.min(jitteredMs, expiry - at) : jitteredMs;
  return {
    context: { rng },
    effects: [{ type: 'startTimer', timer: 'retry', ms: notBeforeFloor(c, at, ms) }],
  };
};

/**
 * After a sighting that says wait: with a live watch, sleep until the observed lease runs out (renewals
 * arrive as notifications and move this timer), so a waiting follower sends no request at all while the
 * leader renews; without one, poll every jittered retry period, cut short at expiry.
 */
const scheduleWait = (c: ElectionContext, at: number): Plan => {
  const expiry = leaseExpiry(c);
  if (expiry === undefined || expiry <= at || !c.watchLive) return scheduleRetry(c, at, expiry);
  return {
    context: {},
    effects: [{ type: 'startTimer', timer: 'retry', ms: notBeforeFloor(c, at, expiry - at) }],
  };
};

const scheduleRenew = (c: ElectionContext): Plan => ({
  context: {},
  effects: [{ type: 'startTimer', timer: 'renew', ms: c.timing.retryPeriodMs }],
});

const read = (purpose: OpPurpose, at: number) => (): Plan => ({
  context: { op: op('read', purpose, at) },
  effects: [{ type: 'readLock' }],
});

/** Writes that make this candidate the holder, as `decideAcquire` allows; `null` when it must wait. */
function acquireWrite(c: ElectionContext, purpose: OpPurpose, at: number, wall: number): Plan | null {
  const decision = decideAcquire(c, at);
  const current = c.observed?.snapshot ?? null;
  if (decision === 'create') return write(c, purpose, at, acquireRecord(c, null, wall), null);
  if (decision === 'update' && current !== null)
    return write(c, purpose, at, acquireRecord(c, current, wall), current.version);
  return null;
}

// ---- follower ------------------------------------------------------------------------------------------

/** START, ATTEMPT or the retry timer: read the lock (the only way to learn whether the lease ran out). */
export function attempt(ctx: ElectionContext, input: Input): Plan {
  return chain(
    ctx,
    () => ({ context: {}, effects: [{ type: 'cancelTimer', timer: 'retry' }] }),
    read('acquire', input.at),
  );
}

/**
 * A read answered while campaigning: write if allowed, else wait (`scheduleWait`): a jittered retry period,
 * or less when the observed lease runs out sooner, so a follower tries the moment expiry allows rather than
 * up to 2.2 retry periods later (client-go waits the full jittered period); with a live watch, until expiry.
 */
export function afterAcquireRead(ctx: ElectionContext, input: In<'LOCK_READ'>): Plan {
  // A live watch that notified during the read knows at least as much as the read's answer (see
  // PendingOp.overtaken): keep its observation rather than step back to an older version and wait a lease.
  const watchKnowsBetter = ctx.watchLive && ctx.op?.overtaken === true;
  return chain(
    ctx,
    watchKnowsBetter ? () => ({ context: {}, effects: [] }) : seen(input.snapshot, input.at),
    settle(input),
    (c) => acquireWrite(c, 'acquire', input.at, input.wall) ?? scheduleWait(c, input.at),
  );
}

/** A write answered while campaigning, in time: this candidate leads, valid from when it sent the write. */
export function becomeLeader(ctx: ElectionContext, input: In<'LOCK_WRITTEN'>): Plan {
  const sentAt = ctx.op!.sentAt;
  const deadline = sentAt + ctx.timing.renewDeadlineMs;
  return chain(ctx, seen(input.snapshot, input.at), settle(input), (c) => ({
    context: { deadline },
    effects: [
      { type: 'cancelTimer', timer: 'retry' },
      { type: 'notify', event: 'startedLeading' },
      { type: 'startTimer', timer: 'deadline', ms: deadline - input.at },
      ...scheduleRenew(c).effects,
    ],
  }));
}

/** A write that landed too late to lead on (or a leftover renewal): remember it, try again later. */
export function lateWrite(ctx: ElectionContext, input: In<'LOCK_WRITTEN'>): Plan {
  return chain(ctx, seen(input.snapshot, input.at), settle(input), (c) => scheduleRetry(c, input.at));
}

/** Stands for a holder known to exist (a create lost to it) whose record this candidate has not read. */
export const UNSEEN_HOLDER = '(holder not yet read)';

/**
 * A lost create (Conflict) proves that another candidate holds the lock, though this one has not read its
 * record. Remember that holder as present from now, with this candidate's own lease duration: if the lock
 * then vanishes (deleted by hand) before this candidate reads it, it waits out a lease instead of creating
 * at once while that holder may still be leading. Found by the multi-process test on the real API server.
 */
function sawUnseenHolder(c: ElectionContext, at: number): Plan {
  const lastPresent: LockSnapshot = {
    version: '',
    raw: undefined,
    record: {
      holderIdentity: UNSEEN_HOLDER,
      leaseDurationSeconds: 0, // unknown: leaseMs() falls back to this candidate's own leaseDuration
      acquireTime: null,
      renewTime: null,
      leaderTransitions: c.lastPresent?.record.leaderTransitions ?? 0,
    },
  };
  return { context: { observed: { snapshot: null, at }, lastPresent }, effects: [] };
}

/**
 * A request failed while campaigning; the next attempt re-reads first (rule 4). A lost compare-and-swap or a
 * vanished lock is an answer: wait a jittered retry period (less if a lease still ahead runs out sooner). A
 * failure backs off (rule 7): the n-th in a row waits retryPeriod * 2^(n-1), jittered and capped, and sets
 * the floor under which nothing else re-arms the timer.
 */
export function campaignFailed(ctx: ElectionContext, input: In<'LOCK_FAILED'>): Plan {
  const lostCreate = ctx.op?.kind === 'create' && input.error === 'Conflict';
  const wasAnswered = answered(ctx, input);
  return chain(
    ctx,
    (c) => (lostCreate ? sawUnseenHolder(c, input.at) : { context: {}, effects: [] }),
    settle(input),
    (c) => (wasAnswered ? scheduleRetry(c, input.at, leaseExpiry(c)) : backOff(c, input)),
  );
}

/** Rule 7 for a follower: the back-off after its `failures + 1`-th failure in a row. */
function backOff(c: ElectionContext, input: In<'LOCK_FAILED'>): Plan {
  const failures = c.failures + 1;
  const [wait, rng] = followerBackoff(c, failures, input.retryAfterMs);
  const ms = notBeforeFloor(c, input.at, wait);
  return {
    context: { failures, notBefore: input.at + ms, rng },
    effects: [{ type: 'startTimer', timer: 'retry', ms }],
  };
}

/**
 * A watch notification while campaigning: act at once if the lock is free. Otherwise remember it, and with a
 * live watch move the wake-up to the expiry of what was just seen (a renewal pushes it a lease further).
 */
export function followerChanged(ctx: ElectionContext, input: In<'LOCK_CHANGED'>): Plan {
  return chain(ctx, seen(input.snapshot, input.at), (c) => {
    if (c.op !== null) return { context: { op: { ...c.op, overtaken: true } }, effects: [] };
    const write = acquireWrite(c, 'acquire', input.at, input.wall);
    if (write === null) return c.watchLive ? scheduleWait(c, input.at) : { context: {}, effects: [] };
    return { context: write.context, effects: [{ type: 'cancelTimer', timer: 'retry' }, ...write.effects] };
  });
}

/**
 * The watch went live or was lost. Only a waiting follower acts: when the watch is lost it goes back to
 * polling (a jittered retry period, cut short at expiry) instead of sleeping until an expiry it may no longer
 * learn the truth about. Going live changes nothing at once: the next read's answer sets the quiet schedule.
 */
export function watchHealth(ctx: ElectionContext, input: In<'WATCH_HEALTH'>): Plan {
  return chain(
    ctx,
    () => ({ context: { watchLive: input.live }, effects: [] }),
    (c) => (input.live || c.op !== null ? { context: {}, effects: [] } : scheduleWait(c, input.at)),
  );
}

/** Record the watch's health; nothing else depends on it outside a waiting follower. */
export function noteWatchHealth(_ctx: ElectionContext, input: In<'WATCH_HEALTH'>): Plan {
  return { context: { watchLive: input.live }, effects: [] };
}

/** Stop while campaigning: cancel the retry timer; an operation in flight is waited for by `releasing`. */
export function stopCampaign(_ctx: ElectionContext, input: In<'STOP'>): Plan {
  return {
    context: { release: input.release, releaseAttempts: 0 },
    effects: [{ type: 'cancelTimer', timer: 'retry' }],
  };
}

// ---- leader --------------------------------------------------------------------------------------------

/**
 * The renew timer (or ATTEMPT): one compare-and-swap on the version this leader last wrote. No read first:
 * if anything else wrote meanwhile, the write fails with a conflict and the leader re-reads (rule 4).
 */
export function renew(ctx: ElectionContext, input: Input): Plan {
  const current = ctx.observed?.snapshot ?? null;
  if (current === null) return read('renew', input.at)();
  return write(ctx, 'renew', input.at, renewRecord(ctx, input.wall), current.version);
}

/**
 * A renewal answered: validity extends from when it was sent (rule 3), but only if the write changed the
 * stored version; a no-op write (same version) is invisible to followers and extends nothing.
 */
export function renewed(ctx: ElectionContext, input: In<'LOCK_WRITTEN'>): Plan {
  const changed = input.snapshot.version !== ctx.op!.basedOn;
  const deadline = changed
    ? Math.max(ctx.deadline, ctx.op!.sentAt + ctx.timing.renewDeadlineMs)
    : ctx.deadline;
  return chain(ctx, seen(input.snapshot, input.at), settle(input), (c) => ({
    context: { deadline },
    effects: [
      { type: 'startTimer', timer: 'deadline', ms: deadline - input.at },
      ...scheduleRenew(c).effects,
    ],
  }));
}

/** A conflict or a vanished lock: re-read to learn what happened; never rewrite blindly. */
export function renewConflicted(ctx: ElectionContext, input: In<'LOCK_FAILED'>): Plan {
  return chain(ctx, settle(input), read('renew', input.at));
}

/**
 * A failed renewal: retry one retry period later, however fast it failed (rule 7), and no sooner whatever
 * else happens; the deadline timer bounds how long this can go on. A leader keeps this cadence (no back-off,
 * no Retry-After beyond it): its lease is at stake.
 */
export function renewFailed(ctx: ElectionContext, input: In<'LOCK_FAILED'>): Plan {
  return chain(ctx, settle(input), (c) => ({
    context: { failures: c.failures + 1, notBefore: input.at + c.timing.retryPeriodMs },
    effects: scheduleRenew(c).effects,
  }));
}

/** The re-read after a conflict found the lock still ours, or gone: write again on the fresh version. */
export function renewAfterRead(ctx: ElectionContext, input: In<'LOCK_READ'>): Plan {
  return chain(ctx, seen(input.snapshot, input.at), settle(input), (c) => {
    const current = c.observed?.snapshot ?? null;
    if (current === null) return write(c, 'renew', input.at, acquireRecord(c, null, input.wall), null);
    return write(c, 'renew', input.at, renewRecord(c, input.wall), current.version);
  });
}

/** Leadership ends (deadline passed, lock taken, or a lapse noticed late): tell the driver, keep campaigning. */
export function stepDown(ctx: ElectionContext, input: Input): Plan {
  const isResult =
    input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_FAILED';
  const snapshotSeen =
    input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_CHANGED';
  return chain(
    ctx,
    (c) => (snapshotSeen ? observe(c, input.snapshot, input.at) : { context: {}, effects: [] }),
    (c) => (isResult ? settle(input)(c) : { context: {}, effects: [] }),
    (c) => {
      // With a request still in flight, its answer schedules the next attempt.
      const retry = c.op === null ? scheduleRetry(c, input.at) : { context: {}, effects: [] };
      return {
        context: { deadline: 0, ...retry.context },
        effects: [
          { type: 'cancelTimer', timer: 'renew' },
          { type: 'cancelTimer', timer: 'deadline' },
          { type: 'notify', event: 'stoppedLeading' },
          ...retry.effects,
        ],
      };
    },
  );
}

/**
 * Rule 8: the lock names this candidate in a version it did not write. Another candidate has the same
 * identity: step down at once, report it, and from now on wait out that twin's lease like anyone else's.
 */
export function stepDownTwin(ctx: ElectionContext, input: In<'LOCK_READ'> | In<'LOCK_CHANGED'>): Plan {
  const version = input.snapshot?.version ?? '';
  return chain(
    ctx,
    () => ({
      context: { duplicate: true },
      effects: [{ type: 'report', problem: 'DuplicateIdentity', version }],
    }),
    (c) => stepDown(c, input),
  );
}

/** The deadline timer fired before the deadline on this clock: set it again for the rest. */
export function rearmDeadline(ctx: ElectionContext, input: Input): Plan {
  return { context: {}, effects: [{ type: 'startTimer', timer: 'deadline', ms: ctx.deadline - input.at }] };
}

/** A watch notification while leading: remember it (a foreign holder is handled by a guard). */
export function leaderChanged(ctx: ElectionContext, input: In<'LOCK_CHANGED'>): Plan {
  return observe(ctx, input.snapshot, input.at);
}

/** Stop while leading: leadership ends now; the release write follows once no request is in flight. */
export function stopLeading(ctx: ElectionContext, input: In<'STOP'>): Plan {
  return chain(
    ctx,
    () => ({
      context: { release: input.release, releaseAttempts: 0, deadline: 0 },
      effects: [
        { type: 'cancelTimer', timer: 'renew' },
        { type: 'cancelTimer', timer: 'deadline' },
        { type: 'notify', event: 'stoppedLeading' },
      ],
    }),
    (c) => (c.op === null && c.release ? releaseWrite(c, input) : { context: {}, effects: [] }),
  );
}

// ---- releasing -----------------------------------------------------------------------------------------

/** The empty-holder write (rule 5), compare-and-swap on the version last seen. */
export function releaseWrite(ctx: ElectionContext, input: Input): Plan {
  const current = ctx.observed?.snapshot ?? null;
  if (current === null) return { context: { op: null }, effects: [] };
  return {
    context: {
      op: op('update', 'release', input.at, current.version),
      releaseAttempts: ctx.releaseAttempts + 1,
    },
    effects: [
      { type: 'updateLock', record: releaseRecord(ctx, input.wall), expectedVersion: current.version },
    ],
  };
}

/** A request answered while stopping: remember what it showed; the guards decide whether to release. */
export function stoppingSettled(ctx: ElectionContext, input: Input): Plan {
  const snapshotSeen = input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN';
  return chain(
    ctx,
    (c) => (snapshotSeen ? observe(c, input.snapshot, input.at) : { context: {}, effects: [] }),
    settle(input),
  );
}

/** Then write the release on what was just seen. */
export function releaseAfter(ctx: ElectionContext, input: Input): Plan {
  return chain(
    ctx,
    (c) => stoppingSettled(c, input),
    (c) => releaseWrite(c, input),
  );
}

/** A release failed: read once more to see whether the lock is still ours (conflicts are never blind). */
export function releaseReread(ctx: ElectionContext, input: Input): Plan {
  return chain(ctx, settle(input), () => ({
    context: { op: op('read', 'release', input.at), releaseAttempts: ctx.releaseAttempts + 1 },
    effects: [{ type: 'readLock' }],
  }));
}

/** Remember a watch notification without acting on it. */
export function remember(ctx: ElectionContext, input: In<'LOCK_CHANGED'>): Plan {
  return observe(ctx, input.snapshot, input.at);
}

/** Every plan by name: the statechart refers to plans by these names. */
export const PLANS = {
  attempt,
  afterAcquireRead,
  becomeLeader,
  lateWrite,
  campaignFailed,
  followerChanged,
  watchHealth,
  noteWatchHealth,
  stopCampaign,
  renew,
  renewed,
  renewConflicted,
  renewFailed,
  renewAfterRead,
  stepDown,
  stepDownTwin,
  rearmDeadline,
  leaderChanged,
  stopLeading,
  releaseWrite,
  stoppingSettled,
  releaseAfter,
  releaseReread,
  remember,
} as const;
