/**
 * The lifecycle steps of the statechart: who runs the election (`run()` or `campaign()`), a leader's work
 * told to stop before a stop or handover goes ahead, a stop asked during a handover carried out after it,
 * the end of the election under `run()` when leadership ends, a step-down's cool-down under `campaign()`,
 * and the lock's watch opened and closed with the election. Like `steps.ts`, each returns a context patch and
 * effects; the decisions are `rules.ts`'s (`coolDownAfter`, `foldStops`, `watchToOpen`, `watchToClose`, the
 * guards `draining`, `stopPending`, `handoverPending`, `stopQueued` and `runEndsOnLoss`).
 */
import { assertEvent } from 'xstate';
import {
  coolDownAfter,
  foldStops,
  preferredElsewhere,
  stopRequest,
  watchToClose,
  watchToOpen,
} from './rules.ts';
import type {
  ElectionContext,
  Input,
  Lifecycle,
  PendingStop,
  Step,
  StepAction,
  StopRequest,
} from './types.ts';

/** The lifecycle of an election nobody has started. */
export const IDLE: Lifecycle = {
  owner: null,
  pending: null,
  stopAfterHandover: null,
  coolDownMs: null,
  coolingDown: false,
};

function lifecycle(c: ElectionContext, patch: Partial<Lifecycle>): Partial<ElectionContext> {
  return { lifecycle: { ...c.lifecycle, ...patch } };
}

/**
 * A stop or handover asked of a leader: its work is told to stop (its signal aborts) and awaited, the lease
 * still renewed meanwhile; `WORK_STOPPED` carries the request out.
 */
function drain(c: ElectionContext, pending: PendingStop): Step {
  return {
    context: lifecycle(c, { pending }),
    effects: [{ type: 'stopWork', handoverTo: pending.kind === 'handover' ? pending.to : null }],
  };
}

/**
 * What a stop (or the stop that waited for the leader's work, or for a handover) leaves behind: no pending
 * request, no queued stop, and the cool-down `stopped` is to run (`coolDownAfter`).
 */
export function stopping(c: ElectionContext, input: Input): Partial<ElectionContext> {
  return lifecycle(c, {
    pending: null,
    stopAfterHandover: null,
    coolDownMs: coolDownAfter(c, stopRequest(c, input)),
  });
}

/** What a STOP input asks for, without its stamp. */
function requestOf(input: StopRequest): StopRequest {
  const { release, reason, coolDownMs } = input;
  return {
    release,
    ...(reason === undefined ? {} : { reason }),
    ...(coolDownMs === undefined ? {} : { coolDownMs }),
  };
}

const NOTHING: Step = { context: {}, effects: [] };

/** Every lifecycle action of the statechart by the name it uses. */
export const lifecycleActions = {
  /** `run()` or `campaign()` owns the election from now (the driver refuses a second one on this fact). */
  claim: (c, input) => {
    assertEvent(input, 'RUN');
    return { context: lifecycle(c, { owner: input.mode }), effects: [] };
  },
  /** The owning `run()` or `campaign()` has returned. */
  unclaim: (c) => ({ context: lifecycle(c, { owner: null }), effects: [] }),
  /** A leader asked to stop: its work stops first. */
  drainForStop: (c, input) => {
    assertEvent(input, 'STOP');
    return drain(c, { kind: 'stop', ...requestOf(input) });
  },
  /** A stop while the leader's work is already stopping for a stop: the two make one (`foldStops`). */
  restop: (c, input) => {
    assertEvent(input, 'STOP');
    const pending = c.lifecycle.pending;
    if (pending?.kind !== 'stop') return NOTHING;
    const folded = foldStops(pending, input);
    return folded === pending ? NOTHING : { context: lifecycle(c, { pending: folded }), effects: [] };
  },
  /**
   * A stop while the leader's work is stopping for a planned handover: the handover goes first, and the
   * stop waits for it (`stopQueued`); a second such stop folds into the first (`foldStops`).
   */
  queueStop: (c, input) => {
    assertEvent(input, 'STOP');
    const queued = c.lifecycle.stopAfterHandover;
    const stop = queued === null ? requestOf(input) : foldStops(queued, input);
    return stop === queued ? NOTHING : { context: lifecycle(c, { stopAfterHandover: stop }), effects: [] };
  },
  /**
   * Leadership ended and so does the election (`runEndsOnLoss`, or a stop queued behind a handover): no
   * retry timer, no campaign; a stop's release, if one was waiting, is written by `releasing`.
   */
  endElection: (c, input) => ({
    context: {
      handoff: { ...c.handoff, release: stopRequest(c, input)?.release ?? false, releaseAttempts: 0 },
      ...stopping(c, input),
    },
    effects: [],
  }),
  /**
   * Coordinated: a leader whose lock names another preferred holder hands over to it, once per leadership,
   * as a `handover()` would: its work stops first (`preferredElsewhere` decides).
   */
  yieldToPreferred: (c) => {
    const to = preferredElsewhere(c);
    if (to === null) return NOTHING;
    const step = drain(c, { kind: 'handover', to });
    return { context: { ...step.context, handoff: { ...c.handoff, yieldingTo: to } }, effects: step.effects };
  },
  /** A leader asked to hand over: its work stops first. */
  drainForHandover: (c, input) => {
    assertEvent(input, 'HANDOVER');
    return drain(c, { kind: 'handover', to: input.to });
  },
  /** The request the work stopped for no longer applies (a handover by a leader that lost meanwhile). */
  clearPending: (c) => ({ context: lifecycle(c, { pending: null }), effects: [] }),
  /** Entering `stopped` after a step-down under `campaign()`: the cool-down starts. */
  beginCoolDown: (c) => {
    const ms = c.lifecycle.coolDownMs;
    if (ms === null) return NOTHING;
    return {
      context: lifecycle(c, { coolDownMs: null, coolingDown: true }),
      effects: [{ type: 'startTimer', timer: 'coolDown', ms }],
    };
  },
  /** A start or a stop during a cool-down ends it (the timer is cancelled); otherwise nothing. */
  endCoolDown: (c) =>
    c.lifecycle.coolingDown
      ? {
          context: lifecycle(c, { coolingDown: false }),
          effects: [{ type: 'cancelTimer', timer: 'coolDown' }],
        }
      : NOTHING,
  /** A stop before `stopped` is reached cancels a step-down's cool-down still to run. */
  dropCoolDown: (c) =>
    c.lifecycle.coolDownMs === null ? NOTHING : { context: lifecycle(c, { coolDownMs: null }), effects: [] },
  /** The cool-down ran out: the election contends again. */
  rejoin: (c) => ({ context: lifecycle(c, { coolingDown: false }), effects: [] }),
  /** The election starts: the lock's watch opens, unless a cool-down kept it open. */
  openWatch: (c) =>
    watchToOpen(c) ? { context: { watchOpen: true }, effects: [{ type: 'openWatch' }] } : NOTHING,
  /**
   * The election has ended (no cool-down runs): the watch closes, and reports nothing more, so it is no
   * longer live; a later start must not trust its last report.
   */
  closeWatch: (c) =>
    watchToClose(c)
      ? { context: { watchOpen: false, watchLive: false }, effects: [{ type: 'closeWatch' }] }
      : NOTHING,
} satisfies Record<string, StepAction>;
