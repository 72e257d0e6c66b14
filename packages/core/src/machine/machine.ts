/**
 * The election statechart. Every transition of the election lives in this file: states, the inputs each
 * accepts, the named guards that choose between transitions (each a rule of `rules.ts`), and the named
 * actions each runs, in order (each one step of `steps.ts`; XState applies them in sequence, every action
 * seeing the context the ones before it produced). An input a state does not list is a driver bug: `step()`
 * throws `IllegalTransitionError` for it.
 *
 * The machine is pure: it runs under XState's `transition()`; time, entropy and I/O results arrive as
 * inputs, and everything it wants done leaves as effect data (`effect` actions with an `Effect` param).
 * docs/statechart.md draws it, generated from this definition by scripts/statechart.ts.
 */
import { assertEvent, enqueueActions, setup } from 'xstate';
import {
  answered,
  decideAcquire,
  isOwnRecord,
  lapsed,
  leaseExpiry,
  observe,
  type Step,
  watchIsCurrent,
  writeCounts,
  writtenByTwin,
} from './rules.ts';
import * as steps from './steps.ts';
import type { Effect, ElectionContext, Input, MachineInput } from './types.ts';

/** Release writes and re-reads made while stopping, at most; then the lease is left to expire. */
export const MAX_RELEASE_ATTEMPTS = 3;

/** What an action hands to XState: the context patch, then each effect as an `effect` action. */
interface Enqueue {
  assign(patch: Partial<ElectionContext>): void;
  (action: { readonly type: 'effect'; readonly params: Effect }): void;
}

function emit(enqueue: Enqueue, step: Step | null): void {
  if (step === null) return;
  if (Object.keys(step.context).length > 0) enqueue.assign(step.context);
  for (const effect of step.effects) enqueue({ type: 'effect', params: effect });
}

/** The context of the throwaway actor XState builds inside `transition()`; never the election's own. */
const UNSTARTED: ElectionContext = contextFrom({
  identity: '',
  leaseDurationMs: 0,
  renewDeadlineMs: 0,
  retryPeriodMs: 0,
  jitterFactor: 0,
  recordLeaseSeconds: 0,
  seed: 0,
});

/** The election statechart (XState v5): states, guards and actions by name, pure. docs/statechart.md is generated from it. */
export const electionMachine = setup({
  types: {
    context: {} as ElectionContext,
    events: {} as Input,
    input: {} as MachineInput,
  },
  actions: {
    /** An effect for the driver. Never executed here: `step()` collects it from `transition()`'s result. */
    effect: (_: unknown, _effect: Effect) => {},
    /** Marks an input that must never reach this state; `step()` turns it into an IllegalTransitionError. */
    illegal: () => {},

    // ---- observation and requests --------------------------------------------------------------------
    /** Rule 1: remember what the lock holds now, and when this version was first seen. */
    observe: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, ['LOCK_READ', 'LOCK_WRITTEN', 'LOCK_CHANGED']);
      emit(enqueue, observe(context, event.snapshot, event.at));
    }),
    /** The request in flight is over (rule 7: an answer ends a run of failures). */
    settle: enqueueActions(({ context, event, enqueue }) => emit(enqueue, steps.settle(context, event))),
    /** Read the lock: the only way to learn whether a lease ran out. */
    attempt: enqueueActions(({ event, enqueue }) => {
      enqueue({ type: 'effect', params: { type: 'cancelTimer', timer: 'retry' } });
      emit(enqueue, steps.read('acquire', event.at));
    }),
    /**
     * Write if rule 1 allows (after its slot, in a race: rule 9), else wait: until expiry with a live watch,
     * else a jittered retry period.
     */
    acquireOrWait: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.acquireOrWait(context, event.at, event.wall)),
    ),
    /**
     * A notification while campaigning and idle: act at once if the lock is free; with a live watch, move the
     * wake-up to the expiry of what was just seen (a renewal pushes it a lease further).
     */
    actOnNotice: enqueueActions(({ context, event, enqueue }) => {
      if (decideAcquire(context, event.at) !== 'wait') {
        enqueue({ type: 'effect', params: { type: 'cancelTimer', timer: 'retry' } });
        emit(enqueue, steps.acquireOrWait(context, event.at, event.wall));
      } else if (context.watchLive) {
        emit(enqueue, steps.scheduleWait(context, event.at));
      }
    }),
    /**
     * A notification while a request is in flight: with a live watch, the answer of a read in flight is then
     * no newer than what the watch said, and may be older (see PendingOp.overtaken).
     */
    markOvertaken: enqueueActions(({ context, enqueue }) => {
      if (context.op !== null) enqueue.assign({ op: { ...context.op, overtaken: true } });
    }),
    /** A takeover write lost: read before the next attempt unless a notification already told (rule 9). */
    lostRace: enqueueActions(({ context, enqueue }) => emit(enqueue, steps.lostRace(context))),
    /** A lost create proves a holder this candidate has not read: count it as seen (see steps.unseenHolder). */
    noteUnseenHolder: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.unseenHolder(context, event.at)),
    ),
    /** After an answer that says wait: a jittered retry period, less if a lease still ahead runs out sooner. */
    retry: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.scheduleRetry(context, event.at, leaseExpiry(context))),
    ),
    /** Rule 7: a failure backs off; the floor it sets holds against every other timer. */
    backOff: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'LOCK_FAILED');
      emit(enqueue, steps.backOff(context, event.at, event.retryAfterMs));
    }),
    noteWatchHealth: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'WATCH_HEALTH');
      enqueue.assign({ watchLive: event.live });
    }),
    /** The watch was lost while waiting: poll again instead of sleeping until an expiry it may not learn of. */
    wait: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.scheduleWait(context, event.at)),
    ),
    stopCampaign: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'STOP');
      enqueue.assign({ release: event.release, releaseAttempts: 0 });
      enqueue({ type: 'effect', params: { type: 'cancelTimer', timer: 'retry' } });
    }),

    // ---- leading ---------------------------------------------------------------------------------------
    /** Rule 3: the acquiring write counted; lead until renewDeadline after it was sent. */
    becomeLeader: enqueueActions(({ context, event, enqueue }) => {
      if (context.op !== null) emit(enqueue, steps.becomeLeader(context, context.op, event.at));
    }),
    renew: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.renew(context, event.at, event.wall)),
    ),
    /** Rule 3: a renewal counted; the deadline moves to renewDeadline after it was sent. */
    extendLease: enqueueActions(({ context, event, enqueue }) => {
      if (context.op !== null) emit(enqueue, steps.extendLease(context, context.op, event.at));
    }),
    /** A renewal the store answered as a no-op: it extends nothing. */
    keepLease: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.keepLease(context, event.at)),
    ),
    /** Rule 4: a conflict or a vanished lock is re-read, never rewritten blindly. */
    rereadForRenewal: enqueueActions(({ event, enqueue }) => emit(enqueue, steps.read('renew', event.at))),
    renewOnRead: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.renewOnRead(context, event.at, event.wall)),
    ),
    failRenewal: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.failRenewal(context, event.at)),
    ),
    stepDown: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.stepDown(context, event.at)),
    ),
    /** Rule 8: report the twin; from now on records naming this identity are someone else's. */
    reportTwin: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, ['LOCK_READ', 'LOCK_CHANGED']);
      enqueue.assign({ duplicate: true });
      const version = event.snapshot?.version ?? '';
      enqueue({ type: 'effect', params: { type: 'report', problem: 'DuplicateIdentity', version } });
    }),
    rearmDeadline: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.rearmDeadline(context, event.at)),
    ),

    // ---- stopping --------------------------------------------------------------------------------------
    stopLeading: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'STOP');
      emit(enqueue, steps.stopLeading(event.release));
    }),
    /** Rule 5: write the empty holder on the version last seen. */
    writeRelease: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.writeRelease(context, event.at, event.wall)),
    ),
    rereadForRelease: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.rereadForRelease(context, event.at)),
    ),

    // ---- planned handover --------------------------------------------------------------------------------
    /** Leadership ends now (the driver stopped the leader's work first); remember whom to hand it to. */
    beginHandover: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'HANDOVER');
      emit(enqueue, steps.stopLeading(false));
      enqueue.assign({ handoverTo: event.to });
    }),
    /** The record naming the chosen candidate, compare-and-swap on the version last seen. */
    writeHandover: enqueueActions(({ context, event, enqueue }) =>
      emit(enqueue, steps.writeHandover(context, event.at, event.wall)),
    ),
    endHandover: enqueueActions(({ enqueue }) => enqueue.assign({ handoverTo: null })),
  },
  guards: {
    requestInFlight: ({ context }) => context.op !== null,
    noRequestInFlight: ({ context }) => context.op === null,
    retryTimer: ({ event }) => event.type === 'TIMER_FIRED' && event.timer === 'retry',
    /** Rule 9: a live watch has shown the lock and nothing since says it missed a write: act on it, no read. */
    watchIsCurrent: ({ context }) => watchIsCurrent(context),
    notRetryTimer: ({ event }) => event.type === 'TIMER_FIRED' && event.timer !== 'retry',
    /**
     * Host timers may fire a fraction of a millisecond before the monotonic clock reaches the deadline: the
     * deadline timer only ever ends leadership, so an early one is set again for what is left, never taken
     * for a renewal (found on the real API server: a renewal sent at the deadline).
     */
    deadlineTimer: ({ event }) => event.type === 'TIMER_FIRED' && event.timer === 'deadline',
    /** Rule 3: a leader whose validity has run out on its own clock, whatever input woke it. */
    lapsed: ({ context, event }) => lapsed(context, event),
    /** Rule 3: the answered write makes or keeps this candidate leader. */
    writeCounts: ({ context, event }) => writeCounts(context, event),
    /** Rule 4: the store answered (a conflict or a vanished lock), as opposed to failing. */
    answered: ({ context, event }) => answered(context, event),
    /** Rule 4: a create lost to another candidate, whose record this one has not read. */
    lostCreate: ({ context, event }) =>
      event.type === 'LOCK_FAILED' && event.error === 'Conflict' && context.op?.kind === 'create',
    /** A notification of a version this candidate saw earlier and has since seen replaced. */
    staleNotice: ({ context, event }) =>
      event.type === 'LOCK_CHANGED' &&
      event.snapshot !== null &&
      context.replacedVersions.includes(event.snapshot.version),
    /** The lock now names a holder other than this candidate. */
    heldByOther: ({ context, event }) =>
      (event.type === 'LOCK_READ' || event.type === 'LOCK_CHANGED') &&
      event.snapshot !== null &&
      event.snapshot.record.holderIdentity !== context.identity,
    /** Rule 8: the lock names this candidate in a version it did not write: a twin with the same identity. */
    writtenByTwin: ({ context, event }) =>
      (event.type === 'LOCK_READ' || event.type === 'LOCK_CHANGED') && writtenByTwin(context, event.snapshot),
    /**
     * A live watch notified while this read was in flight: it knows at least as much as the read's answer
     * (see PendingOp.overtaken), so the answer does not replace what it said.
     */
    watchKnowsBetter: ({ context }) => context.watchLive && context.op?.overtaken === true,
    /** The watch was lost while nothing is in flight: the waiting follower must poll again. */
    watchLostWhileWaiting: ({ context, event }) =>
      event.type === 'WATCH_HEALTH' && !event.live && context.op === null,
    /** Stopping a leader that has nothing in flight and no release to write: it stops at once. */
    nothingToFinish: ({ context, event }) => context.op === null && event.type === 'STOP' && !event.release,
    /** Stopping a leader with nothing in flight and a release to write: it writes it now. */
    releaseNow: ({ context, event }) => context.op === null && event.type === 'STOP' && event.release,
    releaseWritten: ({ context }) => context.op?.purpose === 'release',
    /** Stopping with release asked, the answer shows this candidate holds the lock, attempts remain. */
    shouldRelease: ({ context, event }) =>
      context.release &&
      context.releaseAttempts < MAX_RELEASE_ATTEMPTS &&
      (event.type === 'LOCK_READ' || event.type === 'LOCK_WRITTEN') &&
      event.snapshot !== null &&
      isOwnRecord(context, event.snapshot.record),
    shouldReread: ({ context }) => context.release && context.releaseAttempts < MAX_RELEASE_ATTEMPTS,
    /** The answer is the handover record's. */
    handoverWritten: ({ context }) => context.op?.purpose === 'handover',
    /** The read that was in flight when the handover began shows the lock still this candidate's. */
    stillOurs: ({ context, event }) =>
      event.type === 'LOCK_READ' && event.snapshot !== null && isOwnRecord(context, event.snapshot.record),
  },
}).createMachine({
  id: 'leaderElection',
  // XState's pure transition() builds a throwaway actor per step and calls this without input; answer that
  // call with the empty context instead of letting it throw (and be caught): most of a step's cost.
  context: ({ input }) => (input === undefined ? UNSTARTED : contextFrom(input)),
  initial: 'stopped',
  states: {
    stopped: {
      on: {
        START: { target: 'follower', actions: 'attempt' },
        STOP: {},
        HANDOVER: {},
        // A notification queued before the watch was closed.
        LOCK_CHANGED: { actions: 'observe' },
        // The watch starts before START, and is reported lost after it is closed.
        WATCH_HEALTH: { actions: 'noteWatchHealth' },
      },
    },

    follower: {
      on: {
        ATTEMPT: [{ guard: 'requestInFlight' }, { actions: 'attempt' }],
        TIMER_FIRED: [
          { guard: 'notRetryTimer', actions: 'illegal' },
          { guard: 'requestInFlight' },
          { guard: 'watchIsCurrent', actions: 'acquireOrWait' },
          { actions: 'attempt' },
        ],
        LOCK_READ: [
          { guard: 'watchKnowsBetter', actions: ['settle', 'acquireOrWait'] },
          { actions: ['observe', 'settle', 'acquireOrWait'] },
        ],
        LOCK_WRITTEN: [
          { guard: 'writeCounts', target: 'leader', actions: ['observe', 'becomeLeader', 'settle'] },
          // A write that landed too late to lead on: remember it, try again later.
          { actions: ['observe', 'settle', 'retry'] },
        ],
        LOCK_FAILED: [
          { guard: 'lostCreate', actions: ['noteUnseenHolder', 'lostRace', 'settle', 'retry'] },
          { guard: 'answered', actions: ['lostRace', 'settle', 'retry'] },
          { actions: ['settle', 'backOff'] },
        ],
        LOCK_CHANGED: [
          { guard: 'requestInFlight', actions: ['observe', 'markOvertaken'] },
          { actions: ['observe', 'actOnNotice'] },
        ],
        WATCH_HEALTH: [
          { guard: 'watchLostWhileWaiting', actions: ['noteWatchHealth', 'wait'] },
          { actions: 'noteWatchHealth' },
        ],
        STOP: [
          { guard: 'requestInFlight', target: 'releasing', actions: 'stopCampaign' },
          { target: 'stopped', actions: 'stopCampaign' },
        ],
        HANDOVER: {},
      },
    },

    leader: {
      on: {
        // Each input that can make it act first checks the lease on the local clock: a leader that was paused
        // past its deadline steps down before doing anything else, whichever timer or answer woke it.
        TIMER_FIRED: [
          { guard: 'lapsed', target: 'follower', actions: 'stepDown' },
          { guard: 'retryTimer', actions: 'illegal' },
          { guard: 'deadlineTimer', actions: 'rearmDeadline' },
          { guard: 'requestInFlight' },
          { actions: 'renew' },
        ],
        ATTEMPT: [
          { guard: 'lapsed', target: 'follower', actions: 'stepDown' },
          { guard: 'requestInFlight' },
          { actions: 'renew' },
        ],
        LOCK_WRITTEN: [
          { guard: 'lapsed', target: 'follower', actions: ['observe', 'settle', 'stepDown'] },
          { guard: 'writeCounts', actions: ['observe', 'extendLease', 'settle'] },
          { actions: ['observe', 'settle', 'keepLease'] },
        ],
        LOCK_FAILED: [
          { guard: 'lapsed', target: 'follower', actions: ['settle', 'stepDown'] },
          { guard: 'answered', actions: ['settle', 'rereadForRenewal'] },
          { actions: ['settle', 'failRenewal'] },
        ],
        LOCK_READ: [
          { guard: 'lapsed', target: 'follower', actions: ['observe', 'settle', 'stepDown'] },
          { guard: 'heldByOther', target: 'follower', actions: ['observe', 'settle', 'stepDown'] },
          {
            guard: 'writtenByTwin',
            target: 'follower',
            actions: ['reportTwin', 'observe', 'settle', 'stepDown'],
          },
          { actions: ['observe', 'settle', 'renewOnRead'] },
        ],
        LOCK_CHANGED: [
          { guard: 'lapsed', target: 'follower', actions: ['observe', 'stepDown'] },
          // A notification of a version this leader has already seen replaced (a watch that started, or
          // resumed, behind its own write): old news, not another holder.
          { guard: 'staleNotice' },
          { guard: 'heldByOther', target: 'follower', actions: ['observe', 'stepDown'] },
          { guard: 'writtenByTwin', target: 'follower', actions: ['reportTwin', 'observe', 'stepDown'] },
          { actions: 'observe' },
        ],
        // Bookkeeping only: a leader never polls, and its deadline timer still checks the lease.
        WATCH_HEALTH: { actions: 'noteWatchHealth' },
        STOP: [
          { guard: 'nothingToFinish', target: 'stopped', actions: 'stopLeading' },
          { guard: 'releaseNow', target: 'releasing', actions: ['stopLeading', 'writeRelease'] },
          { target: 'releasing', actions: 'stopLeading' },
        ],
        HANDOVER: [
          { guard: 'lapsed', target: 'follower', actions: 'stepDown' },
          { guard: 'requestInFlight', target: 'handingOver', actions: 'beginHandover' },
          { target: 'handingOver', actions: ['beginHandover', 'writeHandover'] },
        ],
      },
    },

    /**
     * A planned handover: no longer leading; waits for the request in flight (if any), writes the record
     * naming the chosen candidate if the lock is still this one's, then follows like any candidate (the
     * chosen one takes the lock with its own write; if it never does, its lease runs out like any holder's).
     */
    handingOver: {
      on: {
        LOCK_WRITTEN: [
          {
            guard: 'handoverWritten',
            target: 'follower',
            actions: ['observe', 'settle', 'endHandover', 'acquireOrWait'],
          },
          // The answer of the renewal in flight when the handover began: the lock is still ours.
          { actions: ['observe', 'settle', 'writeHandover'] },
        ],
        LOCK_READ: [
          { guard: 'stillOurs', actions: ['observe', 'settle', 'writeHandover'] },
          { target: 'follower', actions: ['observe', 'settle', 'endHandover', 'acquireOrWait'] },
        ],
        // A lost or failed handover write: follow; the lease this candidate last wrote runs out as usual.
        LOCK_FAILED: { target: 'follower', actions: ['settle', 'endHandover', 'retry'] },
        LOCK_CHANGED: { actions: 'observe' },
        WATCH_HEALTH: { actions: 'noteWatchHealth' },
        ATTEMPT: {},
        HANDOVER: {},
        STOP: { target: 'releasing', actions: ['stopCampaign', 'endHandover'] },
      },
    },

    /**
     * Stopping: waits for the request in flight (if any), writes the release if this candidate turns out
     * to hold the lock, then stops. Bounded: at most MAX_RELEASE_ATTEMPTS requests.
     */
    releasing: {
      on: {
        LOCK_WRITTEN: [
          { guard: 'releaseWritten', target: 'stopped', actions: ['observe', 'settle'] },
          { guard: 'shouldRelease', actions: ['observe', 'settle', 'writeRelease'] },
          { target: 'stopped', actions: ['observe', 'settle'] },
        ],
        LOCK_READ: [
          { guard: 'shouldRelease', actions: ['observe', 'settle', 'writeRelease'] },
          { target: 'stopped', actions: ['observe', 'settle'] },
        ],
        LOCK_FAILED: [
          { guard: 'shouldReread', actions: ['settle', 'rereadForRelease'] },
          { target: 'stopped', actions: 'settle' },
        ],
        LOCK_CHANGED: { actions: 'observe' },
        WATCH_HEALTH: { actions: 'noteWatchHealth' },
        ATTEMPT: {},
        STOP: {},
        HANDOVER: {},
      },
      // A release write that could not be issued (nothing seen to write on) leaves nothing in flight.
      always: { guard: 'noRequestInFlight', target: 'stopped' },
    },
  },
});

/** The context a machine starts with, from its input. */
function contextFrom(input: MachineInput): ElectionContext {
  return {
    identity: input.identity,
    timing: {
      leaseDurationMs: input.leaseDurationMs,
      renewDeadlineMs: input.renewDeadlineMs,
      retryPeriodMs: input.retryPeriodMs,
      jitterFactor: input.jitterFactor,
      takeoverSlotMs: input.takeoverSlotMs ?? 0,
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
    replacedVersions: [],
    duplicate: false,
    coordinated: input.coordinated ?? false,
    holderTenureAtSight: null,
    handoverTo: null,
    racingFor: null,
    racingSince: 0,
    spread: 0,
    mustRead: false,
  };
}
