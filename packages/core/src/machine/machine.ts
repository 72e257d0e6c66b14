/**
 * The election statechart. Every transition of the election lives in this file: states, the inputs each
 * accepts, the guards that choose between transitions and the plan each runs (plans are in `plans.ts`).
 * An input a state does not list is a driver bug: `step()` throws `IllegalTransitionError` for it.
 *
 *   stopped ──START──▶ follower ──write answered in time──▶ leader
 *      ▲                  ▲  │                                │ deadline passed / lock taken / lapse seen
 *      │                  │  └─STOP (request in flight)─┐     ▼
 *      │                  └─────────────────────────────┼── follower
 *      └──────── release written / nothing to release ──┴── releasing ◀── STOP ── leader
 *
 * The machine is pure: it runs under XState's `transition()`; time, entropy and I/O results arrive as
 * inputs, and everything it wants done leaves as effect data (`effect` actions with an `Effect` param).
 */
import { enqueueActions, setup } from 'xstate';
import { isOwnRecord, writtenByTwin } from './observe.ts';
import type { Plan } from './plans.ts';
import { PLANS } from './plans.ts';
import type { Effect, ElectionContext, Input, MachineInput } from './types.ts';

/** Release writes and re-reads made while stopping, at most; then the lease is left to expire. */
export const MAX_RELEASE_ATTEMPTS = 3;

type PlanFn = (ctx: ElectionContext, input: never) => Plan;
type PlanName = keyof typeof PLANS;
/** A table of plans by name, as `PLANS`; a variant may swap some (testkit's broken variants do). */
export type PlanTable = { readonly [K in PlanName]: PlanFn };

/**
 * The action that runs plans from `plans` by name: applies the plan's context patch, then enqueues its
 * effects in order. `electionMachine.provide({ actions: { apply: planRunner({...PLANS, x}) } })` builds a
 * variant machine with plan `x` replaced, which `LeaderElectionOptions.machine` runs (testkit uses this to
 * prove that its checker catches a broken rule; nothing else should).
 */
export function planRunner(plans: PlanTable) {
  // (XState cannot type an enqueueActions action's own params inside setup(); the cast names them.)
  return enqueueActions(({ context, event, enqueue }, params: { plan: PlanName }) => {
    const result = plans[params.plan](context as ElectionContext, event as never);
    if (Object.keys(result.context).length > 0) enqueue.assign(result.context);
    for (const effect of result.effects) enqueue({ type: 'effect', params: effect } as never);
  }) as unknown as (_: unknown, params: { plan: PlanName }) => void;
}

const isLockResult = (input: Input): boolean =>
  input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_FAILED';

export const electionMachine = setup({
  types: {
    context: {} as ElectionContext,
    events: {} as Input,
    input: {} as MachineInput,
  },
  actions: {
    /** An effect for the driver. Never executed here: `step()` collects it from `transition()`'s result. */
    effect: (_: unknown, _effect: Effect) => {},
    /** Runs the named plan: applies its context patch, then enqueues its effects in order. */
    apply: planRunner(PLANS),
    /** Marks an input that must never reach this state; `step()` turns it into an IllegalTransitionError. */
    illegal: () => {},
  },
  guards: {
    requestInFlight: ({ context }) => context.op !== null,
    deadlineTimer: ({ event }) => event.type === 'TIMER_FIRED' && event.timer === 'deadline',
    /** A leader whose validity has run out on its own clock, whatever input woke it. */
    lapsed: ({ context, event }) => event.at >= context.deadline,
    /**
     * The answered write can make this candidate leader: it was sent recently enough that leadership from it
     * has not already expired, and it changed the stored version. (Kubernetes answers an identical write, e.g.
     * a ConfigMap renewal within the same second, as a no-op keeping the old version; others then see no
     * change, so such a write must not start a lease.)
     */
    writeCounts: ({ context, event }) =>
      context.op !== null &&
      context.op.sentAt + context.timing.renewDeadlineMs > event.at &&
      event.type === 'LOCK_WRITTEN' &&
      event.snapshot.version !== context.op.basedOn,
    conflictOrGone: ({ event }) =>
      event.type === 'LOCK_FAILED' && (event.error === 'Conflict' || event.error === 'NotFound'),
    /** The lock now names a holder other than this candidate. */
    heldByOther: ({ context, event }) =>
      (event.type === 'LOCK_READ' || event.type === 'LOCK_CHANGED') &&
      event.snapshot !== null &&
      event.snapshot.record.holderIdentity !== context.identity,
    /** The lock names this candidate in a version it did not write: a twin with the same identity (rule 8). */
    writtenByTwin: ({ context, event }) =>
      (event.type === 'LOCK_READ' || event.type === 'LOCK_CHANGED') && writtenByTwin(context, event.snapshot),
    releaseWritten: ({ context }) => context.op?.purpose === 'release',
    /** Stopping with release asked, the answer shows this candidate holds the lock, attempts remain. */
    shouldRelease: ({ context, event }) =>
      context.release &&
      context.releaseAttempts < MAX_RELEASE_ATTEMPTS &&
      (event.type === 'LOCK_READ' || event.type === 'LOCK_WRITTEN') &&
      event.snapshot !== null &&
      isOwnRecord(context, event.snapshot.record),
    shouldReread: ({ context }) => context.release && context.releaseAttempts < MAX_RELEASE_ATTEMPTS,
    isLockResult: ({ event }) => isLockResult(event),
  },
}).createMachine({
  id: 'leaderElection',
  context: ({ input }) => ({
    identity: input.identity,
    timing: {
      leaseDurationMs: input.leaseDurationMs,
      renewDeadlineMs: input.renewDeadlineMs,
      retryPeriodMs: input.retryPeriodMs,
      jitterFactor: input.jitterFactor,
    },
    recordLeaseSeconds: input.recordLeaseSeconds,
    rng: input.seed | 0,
    observed: null,
    lastPresent: null,
    knownLeader: '',
    deadline: 0,
    op: null,
    release: false,
    releaseAttempts: 0,
    watchLive: false,
    failures: 0,
    notBefore: 0,
    ownWrites: [],
    duplicate: false,
  }),
  initial: 'stopped',
  states: {
    stopped: {
      on: {
        START: { target: 'follower', actions: run('attempt') },
        STOP: {},
        // A notification queued before the watch was closed.
        LOCK_CHANGED: { actions: run('remember') },
        // The watch starts before START, and is reported lost after it is closed.
        WATCH_HEALTH: { actions: run('noteWatchHealth') },
      },
    },

    follower: {
      on: {
        ATTEMPT: [{ guard: 'requestInFlight' }, { actions: run('attempt') }],
        TIMER_FIRED: [
          {
            guard: ({ event }) => event.type === 'TIMER_FIRED' && event.timer !== 'retry',
            actions: 'illegal',
          },
          { guard: 'requestInFlight' },
          { actions: run('attempt') },
        ],
        LOCK_READ: { actions: run('afterAcquireRead') },
        LOCK_WRITTEN: [
          { guard: 'writeCounts', target: 'leader', actions: run('becomeLeader') },
          { actions: run('lateWrite') },
        ],
        LOCK_FAILED: { actions: run('campaignFailed') },
        LOCK_CHANGED: { actions: run('followerChanged') },
        WATCH_HEALTH: { actions: run('watchHealth') },
        STOP: [
          { guard: 'requestInFlight', target: 'releasing', actions: run('stopCampaign') },
          { target: 'stopped', actions: run('stopCampaign') },
        ],
      },
    },

    leader: {
      on: {
        // Each input that can make it act first checks the lease on the local clock: a leader that was paused
        // past its deadline steps down before doing anything else, whichever timer or answer woke it.
        TIMER_FIRED: [
          { guard: 'lapsed', target: 'follower', actions: run('stepDown') },
          {
            guard: ({ event }) => event.type === 'TIMER_FIRED' && event.timer === 'retry',
            actions: 'illegal',
          },
          // Host timers may fire a fraction of a millisecond before the monotonic clock reaches the deadline:
          // the deadline timer only ever ends leadership, so an early one is set again for what is left,
          // never taken for a renewal (found on the real API server: a renewal sent at the deadline).
          { guard: 'deadlineTimer', actions: run('rearmDeadline') },
          { guard: 'requestInFlight' },
          { actions: run('renew') },
        ],
        ATTEMPT: [
          { guard: 'lapsed', target: 'follower', actions: run('stepDown') },
          { guard: 'requestInFlight' },
          { actions: run('renew') },
        ],
        LOCK_WRITTEN: [
          { guard: 'lapsed', target: 'follower', actions: run('stepDown') },
          { actions: run('renewed') },
        ],
        LOCK_FAILED: [
          { guard: 'lapsed', target: 'follower', actions: run('stepDown') },
          { guard: 'conflictOrGone', actions: run('renewConflicted') },
          { actions: run('renewFailed') },
        ],
        LOCK_READ: [
          { guard: 'lapsed', target: 'follower', actions: run('stepDown') },
          { guard: 'heldByOther', target: 'follower', actions: run('stepDown') },
          { guard: 'writtenByTwin', target: 'follower', actions: run('stepDownTwin') },
          { actions: run('renewAfterRead') },
        ],
        LOCK_CHANGED: [
          { guard: 'lapsed', target: 'follower', actions: run('stepDown') },
          { guard: 'heldByOther', target: 'follower', actions: run('stepDown') },
          { guard: 'writtenByTwin', target: 'follower', actions: run('stepDownTwin') },
          { actions: run('leaderChanged') },
        ],
        // Bookkeeping only: a leader never polls, and its deadline timer still checks the lease.
        WATCH_HEALTH: { actions: run('noteWatchHealth') },
        STOP: [
          {
            guard: ({ context, event }) => context.op === null && !(event.type === 'STOP' && event.release),
            target: 'stopped',
            actions: run('stopLeading'),
          },
          { target: 'releasing', actions: run('stopLeading') },
        ],
      },
    },

    /**
     * Stopping: waits for the request in flight (if any), writes the release if this candidate turns out
     * to hold the lock, then stops. Bounded: at most MAX_RELEASE_ATTEMPTS requests.
     */
    releasing: {
      on: {
        LOCK_WRITTEN: [
          { guard: 'releaseWritten', target: 'stopped', actions: run('stoppingSettled') },
          { guard: 'shouldRelease', actions: run('releaseAfter') },
          { target: 'stopped', actions: run('stoppingSettled') },
        ],
        LOCK_READ: [
          { guard: 'shouldRelease', actions: run('releaseAfter') },
          { target: 'stopped', actions: run('stoppingSettled') },
        ],
        LOCK_FAILED: [
          { guard: 'shouldReread', actions: run('releaseReread') },
          { target: 'stopped', actions: run('stoppingSettled') },
        ],
        LOCK_CHANGED: { actions: run('remember') },
        WATCH_HEALTH: { actions: run('noteWatchHealth') },
        ATTEMPT: {},
        STOP: {},
      },
      // A release write that could not be issued (nothing seen to write on) leaves nothing in flight.
      always: { guard: ({ context }) => context.op === null, target: 'stopped' },
    },
  },
});

/** The action that runs one plan, by name, so the inspector shows which plan each transition runs. */
function run(plan: PlanName) {
  return { type: 'apply', params: { plan } } as const;
}

export { isLockResult };
