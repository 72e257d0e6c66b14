/**
 * A transition's steps as one XState action. Each step of `steps.ts` and `lifecycle.ts` is a pure function
 * of the context and the input returning a context patch and effects (a `Step`); a transition lists the steps
 * it runs, in order, as `steps('observe', 'settle', ...)`: XState's named action `steps`, the step names its
 * params (what the inspector shows and docs/statechart.md lists).
 *
 * Why one action and not one per step: every XState assignment clones the machine's snapshot (its state
 * value, its tag set) and every `enqueueActions` builds its own closures, so a transition of three steps cost
 * three of each; here the steps run in sequence on a local context, each seeing the patches of the ones
 * before it as XState's sequence of assignments would show them, and the transition assigns their combined
 * patch once. The effects leave in the same order, as `effect` actions.
 */
import { enqueueActions } from 'xstate';
import { lifecycleActions } from './lifecycle.ts';
import { actions } from './steps.ts';
import type { Effect, ElectionContext, Input, StepAction } from './types.ts';

/**
 * The name of a step a transition can list (`steps(...)`), written out so the public declarations name no
 * internal table; the two checks below fail to compile when it and the step tables differ.
 */
export type StepName =
  | 'acquireOrWait'
  | 'actOnNotice'
  | 'attempt'
  | 'backOff'
  | 'becomeLeader'
  | 'beginCoolDown'
  | 'beginHandover'
  | 'claim'
  | 'clearPending'
  | 'closeWatch'
  | 'drainForHandover'
  | 'drainForStop'
  | 'dropCoolDown'
  | 'endCoolDown'
  | 'endElection'
  | 'extendLease'
  | 'failRenewal'
  | 'handoverDone'
  | 'handoverFailed'
  | 'handoverRefused'
  | 'keepLease'
  | 'lostRace'
  | 'markOvertaken'
  | 'noteUnseenHolder'
  | 'noteWatchHealth'
  | 'observe'
  | 'openWatch'
  | 'queueStop'
  | 'rearmDeadline'
  | 'rejoin'
  | 'renew'
  | 'renewOnRead'
  | 'reportTwin'
  | 'rereadForRelease'
  | 'rereadForRenewal'
  | 'restop'
  | 'retry'
  | 'retryAfterLoss'
  | 'settle'
  | 'stepDown'
  | 'stopCampaign'
  | 'stopLeading'
  | 'unclaim'
  | 'wait'
  | 'writeHandover'
  | 'writeRelease'
  | 'yieldToPreferred';

/** Every step a transition can list, by the name the statechart uses. */
export const stepActions: { readonly [K in StepName]: StepAction } = { ...actions, ...lifecycleActions };
// A step added to a table but not to `StepName` (the line above catches the reverse).
const _unnamed: Record<Exclude<keyof typeof actions | keyof typeof lifecycleActions, StepName>, never> = {};

/** What the `steps` action runs for each name: `stepActions`, or a variant of it (`withSteps`). */
export type StepTable = Readonly<Record<StepName, StepAction>>;

/** The params of the `steps` action: the steps a transition runs, in order. */
export interface StepsParams {
  /** The steps' names, in the order they run. */
  readonly names: readonly StepName[];
}

/** The `steps` action of a transition running `names` in order. */
export function steps(...names: StepName[]) {
  return { type: 'steps', params: { names } } as const;
}

function isEmpty(patch: object): boolean {
  for (const _ in patch) return false;
  return true;
}

/**
 * Runs `names` in order from `context`, each step seeing the context the ones before it produced, appends
 * their effects to `effects` and each non-empty context patch to `patches`, and returns the context they
 * leave (`context` itself when no step changed anything).
 *
 * The first patch copies `context` (which stays as it was: it is the snapshot's); the later ones are written
 * into that copy, which nothing else has seen yet but the steps run here, and no step keeps the context it
 * is given (each returns a patch of new values): one context object per transition instead of one per step.
 */
export function runSteps(
  table: StepTable,
  names: readonly StepName[],
  context: ElectionContext,
  input: Input,
  effects: Effect[],
  patches?: Partial<ElectionContext>[],
): ElectionContext {
  let c = context;
  // Indexed loops: `for...of` allocates an iterator result per element wherever V8 has not optimized it away.
  for (let i = 0; i < names.length; i += 1) {
    const step = table[names[i] as StepName](c, input);
    if (!isEmpty(step.context)) {
      if (c === context) c = { ...c, ...step.context };
      else Object.assign(c, step.context);
      patches?.push(step.context);
    }
    for (let j = 0; j < step.effects.length; j += 1) effects.push(step.effects[j] as Effect);
  }
  return c;
}

/** The table each `steps` action runs, by the action: `step()` runs a plain transition's steps itself. */
const tables = new WeakMap<object, StepTable>();

/** The table of a `steps` action made by `composeSteps`; undefined for any other implementation. */
export function tableOf(action: unknown): StepTable | undefined {
  if (typeof action === 'function' || (typeof action === 'object' && action !== null))
    return tables.get(action);
  return undefined;
}

/** The `steps` action over `table`: the named steps in sequence, one assignment, their effects in order. */
export function composeSteps(table: StepTable) {
  const action = enqueueActions<
    ElectionContext,
    Input,
    StepsParams,
    Input,
    never,
    { type: 'effect'; params: Effect },
    never,
    never,
    never
  >(({ context, event, enqueue }, { names }) => {
    const effects: Effect[] = [];
    const patches: Partial<ElectionContext>[] = [];
    runSteps(table, names, context, event, effects, patches);
    if (patches.length > 0) enqueue.assign(Object.assign({}, ...patches));
    for (const effect of effects) enqueue({ type: 'effect', params: effect });
  });
  tables.set(action, table);
  return action;
}
