/**
 * The election statechart: the transition table and nothing else. Every state, the inputs each accepts,
 * the guards that choose between transitions (each a predicate of `rules.ts`, under its rule number; a
 * complement, conjunction or alternative written with XState's `not()`, `and()`, `or()`), and the steps
 * each runs, in order (`steps(...)`: each a step of `steps.ts` or `lifecycle.ts`, run in sequence as one
 * XState action, every step seeing the context the ones before it produced; see `compose.ts`). An input a state does not list, or a timer it does not run (`meta.timers`), is
 * a driver bug: `step()` throws `IllegalTransitionError` for it.
 *
 * The machine is pure: it runs under XState's `transition()`; time, entropy and I/O results arrive as
 * inputs, and everything it wants done leaves as effect data (`effect` actions with an `Effect` param).
 * docs/statechart.md draws it, generated from this definition by scripts/statechart.ts.
 */
import { and, not, or, setup } from 'xstate';
import { composeSteps, type StepName, type StepTable, stepActions, steps } from './compose.ts';
import { IDLE } from './lifecycle.ts';
import { type Guard, guards } from './rules.ts';
import type { Effect, ElectionContext, Input, MachineInput, TimerName } from './types.ts';

type GuardArgs = { readonly context: ElectionContext; readonly event: Input };

function asGuards<T extends Record<string, Guard>>(
  table: T,
): { [K in keyof T]: (args: GuardArgs) => boolean } {
  return Object.fromEntries(
    Object.entries(table).map(([name, guard]) => [
      name,
      ({ context, event }: GuardArgs) => guard(context, event),
    ]),
  ) as { [K in keyof T]: (args: GuardArgs) => boolean };
}

/**
 * Rule 3, first on every input of a leader that can make it act (and on the handover it was asked for): a
 * leader paused past its deadline steps down before anything else, whichever timer or answer woke it. The
 * input's own bookkeeping (`before`: record what was seen, settle the request) runs first.
 */
function lapsedFirst(before: readonly StepName[]) {
  return { guard: 'lapsed', target: 'leadershipLost', actions: steps(...before, 'stepDown') } as const;
}

/**
 * Whether the end of a leadership (a loss, or a handover written or failed) ends the election: under
 * `run()`, or when a stop waits for a handover.
 */
const electionEnds = or(['runEndsOnLoss', 'stopQueued']);

/** What a state declares beside its transitions: the timers it runs (a timer it does not run cannot fire). */
export interface StateMeta {
  readonly timers?: readonly TimerName[];
}

/** The context of the throwaway actor XState builds inside `transition()` and `initialTransition()`; never the election's own. */
const UNSTARTED: ElectionContext = contextFrom({
  identity: '',
  timing: { leaseDurationMs: 0, renewDeadlineMs: 0, retryPeriodMs: 0, jitterFactor: 0, takeoverSlotMs: 0 },
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
    /** A transition's steps, in order (`compose.ts`): `params.names` names them. */
    steps: composeSteps(stepActions),
  },
  guards: asGuards(guards),
}).createMachine({
  id: 'leaderElection',
  // XState's pure transition() and initialTransition() build a throwaway actor per call and call this
  // without input (step() keeps one actor per machine instead: step.ts `scopeOf`); answer that call with the
  // empty context instead of letting it throw (and be caught).
  context: ({ input }) => (input === undefined ? UNSTARTED : contextFrom(input)),
  initial: 'stopped',
  // Inputs every state takes the same way (a state's own transitions for them come first).
  on: {
    RUN: { actions: steps('claim') },
    RUN_ENDED: { actions: steps('unclaim') },
    // The leader's work stopped after its leadership had already ended some other way: nothing to carry out.
    WORK_STOPPED: {},
  },
  states: {
    /**
     * Not campaigning. After a step-down under `campaign()` the cool-down timer runs here, and the election
     * contends again when it fires; a start or a stop ends the cool-down. The lock's watch is open here only
     * during a cool-down: it opens with the START that leaves and closes on the way in otherwise.
     */
    stopped: {
      meta: { timers: ['coolDown'] } satisfies StateMeta,
      // The election has ended unless a cool-down starts: the lock's watch closes (`watchToClose`).
      entry: steps('beginCoolDown', 'closeWatch'),
      on: {
        START: { target: 'follower', actions: steps('endCoolDown', 'openWatch', 'attempt') },
        TIMER_FIRED: { target: 'follower', actions: steps('rejoin', 'openWatch', 'attempt') },
        // A stop during a cool-down ends the election; in an election that has ended it changes nothing.
        STOP: { actions: steps('endCoolDown', 'closeWatch') },
        HANDOVER: {},
        // A notification during a cool-down, or one delivered after the watch was closed.
        LOCK_CHANGED: { actions: steps('observe') },
        // The watch stays open through a cool-down, and reports there.
        WATCH_HEALTH: { actions: steps('noteWatchHealth') },
      },
    },

    follower: {
      meta: { timers: ['retry'] } satisfies StateMeta,
      on: {
        ATTEMPT: [{ guard: 'requestInFlight' }, { actions: steps('attempt') }],
        TIMER_FIRED: [
          { guard: 'requestInFlight' },
          { guard: 'watchIsCurrent', actions: steps('acquireOrWait') },
          { actions: steps('attempt') },
        ],
        LOCK_READ: [
          { guard: 'watchKnowsBetter', actions: steps('settle', 'acquireOrWait') },
          { actions: steps('observe', 'settle', 'acquireOrWait') },
        ],
        LOCK_WRITTEN: [
          {
            guard: 'writeCounts',
            target: 'leader',
            actions: steps('observe', 'becomeLeader', 'settle', 'yieldToPreferred'),
          },
          // A write that landed too late to lead on: remember it, try again later.
          { actions: steps('observe', 'settle', 'retry') },
        ],
        LOCK_FAILED: [
          { guard: 'lostCreate', actions: steps('noteUnseenHolder', 'lostRace', 'settle', 'retry') },
          { guard: 'answered', actions: steps('lostRace', 'settle', 'retry') },
          { actions: steps('settle', 'backOff') },
        ],
        LOCK_CHANGED: [
          { guard: 'requestInFlight', actions: steps('observe', 'markOvertaken') },
          { actions: steps('observe', 'actOnNotice') },
        ],
        WATCH_HEALTH: [
          // The watch was lost while nothing is in flight: the waiting follower must poll again.
          { guard: and(['watchLost', not('requestInFlight')]), actions: steps('noteWatchHealth', 'wait') },
          { actions: steps('noteWatchHealth') },
        ],
        STOP: [
          { guard: 'requestInFlight', target: 'releasing', actions: steps('stopCampaign') },
          { target: 'stopped', actions: steps('stopCampaign') },
        ],
        HANDOVER: {},
        // Leadership was lost while the work stopped: the stop it waited for goes ahead from here.
        WORK_STOPPED: [
          {
            guard: and(['stopPending', 'requestInFlight']),
            target: 'releasing',
            actions: steps('stopCampaign'),
          },
          { guard: 'stopPending', target: 'stopped', actions: steps('stopCampaign') },
          // A handover by a leader that lost meanwhile: there is nothing left to hand over.
          { guard: 'draining', actions: steps('clearPending') },
        ],
      },
    },

    leader: {
      meta: { timers: ['renew', 'deadline'] } satisfies StateMeta,
      on: {
        // Each input that can make it act first checks the lease on the local clock (`lapsedFirst`).
        TIMER_FIRED: [
          lapsedFirst([]),
          { guard: 'deadlineTimer', actions: steps('rearmDeadline') },
          { guard: 'requestInFlight' },
          { actions: steps('renew') },
        ],
        ATTEMPT: [lapsedFirst([]), { guard: 'requestInFlight' }, { actions: steps('renew') }],
        LOCK_WRITTEN: [
          lapsedFirst(['observe', 'settle']),
          { guard: 'writeCounts', actions: steps('observe', 'extendLease', 'settle', 'yieldToPreferred') },
          { actions: steps('observe', 'settle', 'keepLease', 'yieldToPreferred') },
        ],
        LOCK_FAILED: [
          lapsedFirst(['settle']),
          { guard: 'answered', actions: steps('settle', 'rereadForRenewal') },
          { actions: steps('settle', 'failRenewal') },
        ],
        LOCK_READ: [
          lapsedFirst(['observe', 'settle']),
          { guard: 'heldByOther', target: 'leadershipLost', actions: steps('observe', 'settle', 'stepDown') },
          {
            guard: 'writtenByTwin',
            target: 'leadershipLost',
            actions: steps('reportTwin', 'observe', 'settle', 'stepDown'),
          },
          { actions: steps('observe', 'settle', 'renewOnRead', 'yieldToPreferred') },
        ],
        LOCK_CHANGED: [
          lapsedFirst(['observe']),
          // A notification of a version this leader has already seen replaced (a watch that started, or
          // resumed, behind its own write): old news, not another holder.
          { guard: 'staleNotice' },
          { guard: 'heldByOther', target: 'leadershipLost', actions: steps('observe', 'stepDown') },
          {
            guard: 'writtenByTwin',
            target: 'leadershipLost',
            actions: steps('reportTwin', 'observe', 'stepDown'),
          },
          { actions: steps('observe', 'yieldToPreferred') },
        ],
        // Bookkeeping only: a leader never polls, and its deadline timer still checks the lease.
        WATCH_HEALTH: { actions: steps('noteWatchHealth') },
        // A stop or a handover first stops the leader's work, still leading and renewing meanwhile (docs/guide.md:
        // nobody else acts before the work has stopped); WORK_STOPPED then carries it out. A stop asked while
        // a handover waits goes after the handover (`stopQueued`).
        STOP: [
          { guard: 'handoverPending', actions: steps('queueStop') },
          { guard: 'draining', actions: steps('restop') },
          { actions: steps('drainForStop') },
        ],
        HANDOVER: [{ guard: 'draining' }, { actions: steps('drainForHandover') }],
        WORK_STOPPED: [
          // Nothing in flight and no release to write: it stops at once.
          {
            guard: and(['stopPending', not('requestInFlight'), not('releaseAsked')]),
            target: 'stopped',
            actions: steps('stopLeading'),
          },
          // Nothing in flight and a release to write: it writes it now.
          {
            guard: and(['stopPending', not('requestInFlight'), 'releaseAsked']),
            target: 'releasing',
            actions: steps('stopLeading', 'writeRelease'),
          },
          { guard: 'stopPending', target: 'releasing', actions: steps('stopLeading') },
          // A stray notice (no stop or handover waits): nothing to do.
          { guard: not('draining') },
          // A handover.
          lapsedFirst(['clearPending']),
          { guard: 'requestInFlight', target: 'handingOver', actions: steps('beginHandover') },
          { target: 'handingOver', actions: steps('beginHandover', 'writeHandover') },
        ],
      },
    },

    /**
     * Leadership has just ended by a loss (lapsed, another holder, a twin): a passing state, left at once.
     * Under `run()`, or with a stop waiting for a handover, the election ends (`releasing` first while a
     * request is in flight, as a stop's would); otherwise the former leader follows and campaigns again.
     */
    leadershipLost: {
      always: [
        { guard: and([electionEnds, 'requestInFlight']), target: 'releasing', actions: steps('endElection') },
        { guard: electionEnds, target: 'stopped', actions: steps('endElection') },
        { target: 'follower', actions: steps('retryAfterLoss') },
      ],
    },

    /**
     * A planned handover: no longer leading; waits for the request in flight (if any), writes the record
     * naming the chosen candidate if the lock is still this one's, then follows like any candidate (the
     * chosen one takes the lock with its own write; if it never does, its lease runs out like any holder's).
     */
    handingOver: {
      on: {
        LOCK_WRITTEN: [
          // Written: under `run()`, or with a stop waiting for it, the election ends here.
          {
            guard: and(['handoverWritten', electionEnds]),
            target: 'stopped',
            actions: steps('observe', 'settle', 'handoverDone', 'endElection'),
          },
          {
            guard: 'handoverWritten',
            target: 'follower',
            actions: steps('observe', 'settle', 'handoverDone', 'acquireOrWait'),
          },
          // The answer of the renewal in flight when the handover began: the lock is still ours.
          { actions: steps('observe', 'settle', 'writeHandover') },
        ],
        LOCK_READ: [
          // The read that was in flight when the handover began shows the lock still this candidate's.
          { guard: 'answerIsOwn', actions: steps('observe', 'settle', 'writeHandover') },
          {
            guard: electionEnds,
            target: 'stopped',
            actions: steps('observe', 'settle', 'handoverRefused', 'endElection'),
          },
          { target: 'follower', actions: steps('observe', 'settle', 'handoverRefused', 'acquireOrWait') },
        ],
        // A lost or failed handover write: follow; the lease this candidate last wrote runs out as usual.
        // Under `run()` the election ends; a stop that waited for the handover is carried out, its release
        // included: a read first, as a stop does after a failed write.
        LOCK_FAILED: [
          {
            guard: and(['stopQueued', 'releaseAsked']),
            target: 'releasing',
            actions: steps('settle', 'handoverFailed', 'endElection', 'rereadForRelease'),
          },
          {
            guard: electionEnds,
            target: 'stopped',
            actions: steps('settle', 'handoverFailed', 'endElection'),
          },
          { target: 'follower', actions: steps('settle', 'handoverFailed', 'retry') },
        ],
        LOCK_CHANGED: { actions: steps('observe') },
        WATCH_HEALTH: { actions: steps('noteWatchHealth') },
        ATTEMPT: {},
        HANDOVER: {},
        // A stop waits for the handover's write, as one asked while the work stopped does (`stopQueued`).
        STOP: { actions: steps('queueStop') },
      },
    },

    /**
     * Stopping: waits for the request in flight (if any), writes the release if this candidate turns out
     * to hold the lock, then stops. Bounded: at most MAX_RELEASE_ATTEMPTS requests.
     */
    releasing: {
      on: {
        LOCK_WRITTEN: [
          { guard: 'releaseWritten', target: 'stopped', actions: steps('observe', 'settle') },
          {
            guard: and(['releaseAttemptsLeft', 'answerIsOwn']),
            actions: steps('observe', 'settle', 'writeRelease'),
          },
          { target: 'stopped', actions: steps('observe', 'settle') },
        ],
        LOCK_READ: [
          {
            guard: and(['releaseAttemptsLeft', 'answerIsOwn']),
            actions: steps('observe', 'settle', 'writeRelease'),
          },
          { target: 'stopped', actions: steps('observe', 'settle') },
        ],
        LOCK_FAILED: [
          { guard: 'releaseAttemptsLeft', actions: steps('settle', 'rereadForRelease') },
          { target: 'stopped', actions: steps('settle') },
        ],
        LOCK_CHANGED: { actions: steps('observe') },
        WATCH_HEALTH: { actions: steps('noteWatchHealth') },
        ATTEMPT: {},
        // A stop during a step-down's release: the election ends here, with no cool-down.
        STOP: { actions: steps('dropCoolDown') },
        HANDOVER: {},
      },
      // A release write that could not be issued (nothing seen to write on) leaves nothing in flight.
      always: { guard: not('requestInFlight'), target: 'stopped' },
    },
  },
});

/**
 * The election machine with some steps replaced (the simulator's deliberately broken variants): `override`
 * gets the statechart's own steps and returns the ones to swap in; every transition listing one runs it.
 * A replacement must not keep the context it is given (`StepAction`).
 */
export function withSteps(override: (original: StepTable) => Partial<StepTable>): typeof electionMachine {
  const table: StepTable = { ...stepActions, ...override(stepActions) };
  return electionMachine.provide({ actions: { steps: composeSteps(table) } });
}

/** The context a machine starts with, from its input. */
function contextFrom(input: MachineInput): ElectionContext {
  return {
    identity: input.identity,
    lifecycle: IDLE,
    timing: input.timing,
    recordLeaseSeconds: input.recordLeaseSeconds,
    rng: input.seed | 0,
    deadline: 0,
    renewPhase: 0,
    op: null,
    watchLive: false,
    watchOpen: false,
    failures: 0,
    notBefore: 0,
    coordinated: input.coordinated ?? false,
    mustRead: false,
    lease: {
      observed: null,
      lastPresent: null,
      knownLeader: '',
      replacedVersions: [],
      holderTenureAtSight: null,
      holderTenure: null,
      holderLeaseMs: null,
    },
    herd: { racingFor: null, racingSince: 0, spread: 0 },
    twins: { ownWrites: [], duplicate: false },
    handoff: { release: false, releaseAttempts: 0, handoverTo: null, yieldingTo: null, handedOver: null },
  };
}
