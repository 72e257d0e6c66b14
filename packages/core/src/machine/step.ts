/**
 * The pure step API over XState's `transition()`: `step(snapshot, input) -> [snapshot, effects]`.
 * Tests drive the election with it directly and assert on the effects; the driver does the same in
 * production. Nothing here performs an effect.
 */
import {
  type AnyActorScope,
  createActor,
  type ExecutableActionObject,
  initialTransition,
  type SnapshotFrom,
} from 'xstate';
import type { ElectionState } from '../election-view.ts';
import { IllegalTransitionError } from '../errors.ts';
import { runSteps, type StepName, tableOf } from './compose.ts';
import { electionMachine, type StateMeta } from './machine.ts';
import { isLockResult } from './rules.ts';
import { selectTransition } from './select.ts';
import type { Effect, ElectionContext, Input, InputType, MachineInput, TimerName } from './types.ts';

/** A snapshot of the election statechart (XState's), as `step` takes and returns it. */
export type ElectionSnapshot = SnapshotFrom<typeof electionMachine>;
// The state names are defined beside the main entry's view of the statechart, which cannot import XState.
export type { ElectionState } from '../election-view.ts';

const STATES: readonly ElectionState[] = ['stopped', 'follower', 'leader', 'releasing', 'handingOver'];

/** Each state by its snapshot value. */
const stateByValue = new Map<unknown, ElectionState>(STATES.map((state) => [state, state]));

/** The inputs each state lists in the statechart; anything else is illegal there. */
const everywhere = Object.keys(electionMachine.config.on ?? {});
const accepted = new Map<ElectionState, ReadonlySet<string>>(
  STATES.map((state) => [
    state,
    new Set([...everywhere, ...Object.keys(electionMachine.states[state]?.config.on ?? {})]),
  ]),
);

/** The timers each state runs (`meta.timers` in the statechart); a timer of another state cannot fire. */
const timersRun = new Map<ElectionState, ReadonlySet<TimerName>>(
  STATES.map((state) => [
    state,
    new Set((electionMachine.states[state]?.config.meta as StateMeta | undefined)?.timers ?? []),
  ]),
);

/** What one `machine.transition()` call hands back besides its snapshot: the actions XState would execute. */
const collected: ExecutableActionObject[] = [];

/** The scope's own actor starts from this; its context is never the election's. */
const INERT: MachineInput = {
  identity: '',
  timing: { leaseDurationMs: 0, renewDeadlineMs: 0, retryPeriodMs: 0, jitterFactor: 0, takeoverSlotMs: 0 },
  recordLeaseSeconds: 0,
  seed: 0,
};

/**
 * The actor scope `machine.transition()` runs in, one per machine. XState's `transition()` builds a fresh
 * inert scope (an actor, whose constructor computes an initial snapshot, and two actor systems) on every
 * call: a fifth of a simulated run's CPU. The election machine has no children, delays, spawned actors or
 * sent events, so nothing in the scope is written by a transition (only `actionExecutor`, which XState wraps
 * and restores around each microstep): one scope per machine is as inert as a fresh one. The actions a
 * transition resolves arrive at `actionExecutor`, which collects them instead of executing them, as
 * `transition()` does.
 */
const scopes = new WeakMap<typeof electionMachine, AnyActorScope>();

function scopeOf(machine: typeof electionMachine): AnyActorScope {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine, { input: INERT });
    scope = {
      self,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: () => {},
      emit: () => {},
      system: self.system,
      stopChild: () => {},
      actionExecutor: (action) => {
        collected.push(action);
      },
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/** The first snapshot of `machine`: the election machine, or a variant of it built with `.provide()`. */
export function initialSnapshot(
  input: MachineInput,
  machine: typeof electionMachine = electionMachine,
): ElectionSnapshot {
  const [snapshot] = initialTransition(machine, input);
  return snapshot;
}

/** The state `snapshot` is in. */
export function stateOf(snapshot: ElectionSnapshot): ElectionState {
  // One lookup: this runs several times per step.
  const state = stateByValue.get(snapshot.value);
  if (state === undefined)
    throw new IllegalTransitionError(String(snapshot.value), '(none)', 'not a state of the election');
  return state;
}

/** The extended state of `snapshot`: what the election remembers (`ElectionContext`). */
export function contextOf(snapshot: ElectionSnapshot): ElectionContext {
  return snapshot.context;
}

/** Whether `state` lists `type` at all (a listed input may still be a no-op under a guard). */
export function accepts(state: ElectionState, type: InputType): boolean {
  return accepted.get(state)?.has(type) ?? false;
}

/**
 * Feeds one input to `machine` (the one the snapshot came from). Throws `IllegalTransitionError` for an input the current state does not accept, for a
 * lock result with no request in flight, and for time running backwards: each is a bug in the caller.
 */
export function step(
  snapshot: ElectionSnapshot,
  input: Input,
  machine: typeof electionMachine = electionMachine,
): [ElectionSnapshot, readonly Effect[]] {
  const state = stateOf(snapshot);
  const ctx = snapshot.context;
  if (!accepts(state, input.type)) throw new IllegalTransitionError(state, input.type);
  if (input.type === 'TIMER_FIRED' && !timersRun.get(state)?.has(input.timer)) {
    throw new IllegalTransitionError(state, input.type, `timer ${input.timer} is not running in this state`);
  }
  if (isLockResult(input) && ctx.op === null) {
    throw new IllegalTransitionError(state, input.type, 'no lock request is in flight');
  }
  if (input.type === 'LOCK_READ' && ctx.op !== null && ctx.op.kind !== 'read') {
    throw new IllegalTransitionError(state, input.type, `the request in flight is a ${ctx.op.kind}`);
  }
  if (input.type === 'LOCK_WRITTEN' && ctx.op !== null && ctx.op.kind === 'read') {
    throw new IllegalTransitionError(state, input.type, 'the request in flight is a read');
  }
  return plainStep(snapshot, input, machine, state) ?? interpretedStep(snapshot, input, machine);
}

/** The states with an eventless transition (`always`): after any input XState checks it, so no plain step there. */
const eventless = new Set(STATES.filter((state) => electionMachine.states[state]?.always !== undefined));

/**
 * A plain transition without XState's interpreter, or `undefined` when the transition is not plain. Plain:
 * the one transition XState would select (`selectTransition`: XState's rule over the same statechart and
 * guards; `getTransitionData` itself allocates a tenth of a renewal) has no target, in a state without an
 * eventless transition, and runs only `steps(...)` of a table made by `composeSteps`. XState's
 * macrostep of such a transition exits and enters nothing, runs the steps' one assignment (a snapshot equal
 * but for the context, `Object.assign({}, context, patch)`, or the same snapshot when nothing changed) and
 * collects their effects; this computes exactly that, without its per-microstep sets, clones and closures.
 * A leader's renewal (the timer, the answer, the notification of its own write) is three plain steps.
 * test/plain-step.test.ts compares the two on every step of simulated runs.
 */
function plainStep(
  snapshot: ElectionSnapshot,
  input: Input,
  machine: typeof electionMachine,
  state: ElectionState,
): [ElectionSnapshot, readonly Effect[]] | undefined {
  if (snapshot.status !== 'active' || eventless.has(state)) return undefined;
  const transition = selectTransition(machine, snapshot, state, input);
  if (transition === undefined) return undefined; // not a shape select.ts answers for: XState's interpreter
  if (transition === null) return [snapshot, NO_EFFECTS];
  if (transition.target !== undefined) return undefined;
  const table = tableOf(machine.implementations.actions.steps);
  if (table === undefined) return undefined;
  // The steps' effects gather in one array kept for the purpose and leave in a copy of its exact size (or
  // the shared empty one): a growing array per step costs a backing store several times larger.
  effectsScratch.length = 0; // a step that threw left its effects here
  let context = snapshot.context;
  const { actions } = transition;
  for (let i = 0; i < actions.length; i += 1) {
    const action = actions[i];
    if (typeof action !== 'object' || action === null || !('type' in action) || action.type !== 'steps')
      return undefined;
    const params = 'params' in action ? action.params : undefined;
    if (!isStepsParams(params)) return undefined;
    context = runSteps(table, params.names, context, input, effectsScratch);
  }
  const effects = effectsScratch.length === 0 ? NO_EFFECTS : effectsScratch.slice();
  effectsScratch.length = 0;
  return [context === snapshot.context ? snapshot : { ...snapshot, context }, effects];
}

/**
 * The effects of a step that has none: one frozen array for all of them (nothing that receives effects
 * writes to them; a write to this one would throw rather than leak into the next step).
 */
const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/** Where a plain step's steps put their effects before they leave in their own array (steps never nest). */
const effectsScratch: Effect[] = [];

function isStepsParams(params: unknown): params is { readonly names: readonly StepName[] } {
  return typeof params === 'object' && params !== null && 'names' in params && Array.isArray(params.names);
}

/** The step through XState's interpreter: `machine.transition()` in the machine's inert scope. */
function interpretedStep(
  snapshot: ElectionSnapshot,
  input: Input,
  machine: typeof electionMachine,
): [ElectionSnapshot, Effect[]] {
  collected.length = 0; // a transition that threw left its actions here
  const next = machine.transition(snapshot, input, scopeOf(machine));
  const effects: Effect[] = [];
  for (const action of collected) if (action.type === 'effect') effects.push(action.params as Effect);
  collected.length = 0;
  return [next, effects];
}
