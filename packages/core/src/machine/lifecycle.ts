/**
 * The lifecycle steps of the statechart: who runs the election (`run()` or `campaign()`), a leader's work
 * told to stop before a stop or handover goes ahead, and a step-down's cool-down under `campaign()`. Like
 * `steps.ts`, each returns a context patch and effects; the decisions are `rules.ts`'s (`coolDownAfter`,
 * the guards `draining` and `stopPending`).
 */
import { assertEvent } from 'xstate';
import { coolDownAfter, stopRequest } from './rules.ts';
import type { ElectionContext, Input, Lifecycle, PendingStop, Step, StepAction } from './types.ts';

/** The lifecycle of an election nobody has started. */
export const IDLE: Lifecycle = { owner: null, pending: null, coolDownMs: null, coolingDown: false };

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
 * What a stop (or the stop that waited for the leader's work) leaves behind: no pending request, and the
 * cool-down `stopped` is to run (`coolDownAfter`).
 */
export function stopping(c: ElectionContext, input: Input): Partial<ElectionContext> {
  return lifecycle(c, { pending: null, coolDownMs: coolDownAfter(c, stopRequest(c, input)) });
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
    const { release, reason, coolDownMs } = input;
    return drain(c, {
      kind: 'stop',
      release,
      ...(reason === undefined ? {} : { reason }),
      ...(coolDownMs === undefined ? {} : { coolDownMs }),
    });
  },
  /**
   * A stop while the leader's work is already stopping: a stop replaces a handover; over an earlier stop it
   * keeps that stop's release and reason, and a plain `stop()` cancels the step-down's cool-down.
   */
  restop: (c, input) => {
    assertEvent(input, 'STOP');
    const pending = c.lifecycle.pending;
    if (pending?.kind !== 'stop') {
      const { release, reason, coolDownMs } = input;
      const stop = { kind: 'stop' as const, release, ...(reason === undefined ? {} : { reason }) };
      return {
        context: lifecycle(c, { pending: coolDownMs === undefined ? stop : { ...stop, coolDownMs } }),
        effects: [],
      };
    }
    if (input.coolDownMs !== undefined || pending.coolDownMs === undefined) return NOTHING;
    const { coolDownMs: _cancelled, ...kept } = pending;
    return { context: lifecycle(c, { pending: kept }), effects: [] };
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
} satisfies Record<string, StepAction>;
