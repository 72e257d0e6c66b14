/**
 * Which transition of the statechart an input takes: what XState's `machine.getTransitionData()` answers for
 * the election machine, read from the same statechart (its state nodes' transition lists, guards by name
 * from the machine's implementations, XState's own built-in guards), without the garbage of XState's walk:
 * `StateNode.next` builds a memo key string, an array of the selected transition's actions (which nothing
 * reads), a guard-arguments object per guard and a one-element result per call, about a tenth of what a
 * renewal allocated (docs/benchmarks.md, "Many elections in one process").
 *
 * It covers the shape of this statechart only, and says so by answering `undefined` otherwise (the caller
 * then asks XState): a state value that is one child of the root, and no wildcard event descriptors. Within
 * that shape it follows XState's rule: the state's own candidates for the input's type in order, the first
 * whose guard passes; if none, the root's (the inputs every state lists). The plain-step test
 * (packages/testkit/test/plain-step.test.ts) checks every step of simulated runs against XState's own
 * `transition()`: in CI at the lockfile's xstate (5.33.3); at 5.19.0, the lowest `^5.19.0` allows, it passed
 * too, and the 900-run trace (bench/trace-compare.ts) was byte-identical to 5.33.3's (docs/benchmarks.md,
 * "The memory lock's 150 MiB"), so the range stays.
 */
import type { SnapshotFrom } from 'xstate';
import type { electionMachine } from './machine.ts';
import type { Input } from './types.ts';

type Machine = typeof electionMachine;
type ElectionSnapshot = SnapshotFrom<Machine>;

/** The parts of an XState transition definition read here. */
export interface Candidate {
  readonly guard?: unknown;
  readonly target?: unknown;
  readonly actions: readonly unknown[];
}

interface Node {
  readonly transitions: ReadonlyMap<string, readonly Candidate[]>;
}

/** XState's built-in guards (`and`, `or`, `not`) carry a `check`; named and inline guards are predicates. */
type Check = (snapshot: ElectionSnapshot, args: GuardArgs, self: unknown) => boolean;
type Predicate = (args: GuardArgs, params: unknown) => boolean;
interface GuardArgs {
  context: ElectionSnapshot['context'] | undefined;
  event: Input | undefined;
}

/**
 * The one guard-arguments object every guard gets here: a guard reads it during its call and keeps nothing
 * (the machine's guards call a predicate of rules.ts with its two fields; XState's built-ins read them to
 * evaluate their operands). Cleared after each call, so it holds no context between steps.
 */
const args: GuardArgs = { context: undefined, event: undefined };

/** Answer of a guard this module cannot evaluate as XState would: the caller asks XState instead. */
const UNKNOWN = Symbol('unknown guard');

function evaluate(guard: unknown, snapshot: ElectionSnapshot, input: Input): boolean | typeof UNKNOWN {
  if (guard === undefined) return true;
  const inline = typeof guard === 'function';
  const named = typeof guard === 'string' ? guard : undefined;
  const type =
    named ?? (typeof guard === 'object' && guard !== null && 'type' in guard ? guard.type : undefined);
  const guards = snapshot.machine.implementations.guards as Record<string, unknown>;
  const resolved: unknown = inline ? guard : typeof type === 'string' ? guards[type] : undefined;
  if (resolved === undefined) return UNKNOWN;
  if (typeof resolved !== 'function') return evaluate(resolved, snapshot, input); // a guard named by another
  // A guard object's params are XState's to resolve (a function of the arguments): none here, else XState.
  if (!inline && named === undefined && typeof guard === 'object' && guard !== null && 'params' in guard)
    return UNKNOWN;
  args.context = snapshot.context;
  args.event = input;
  try {
    const passed =
      'check' in resolved
        ? (resolved.check as Check)(snapshot, args, resolved)
        : (resolved as Predicate)(args, undefined);
    return Boolean(passed);
  } finally {
    args.context = undefined;
    args.event = undefined;
  }
}

/** Whether any node of `machine` lists a wildcard descriptor (`*`, `a.*`), whose matching this leaves to XState. */
const wildcards = new WeakMap<Machine, boolean>();

function hasWildcards(machine: Machine): boolean {
  let known = wildcards.get(machine);
  if (known === undefined) {
    const nodes: Node[] = [machine.root, ...Object.values(machine.root.states ?? {})];
    known = nodes.some((node) => [...node.transitions.keys()].some((key) => key.includes('*')));
    wildcards.set(machine, known);
  }
  return known;
}

/**
 * The transition `input` takes from `snapshot` (whose state is `state`, a child of the root): the candidate
 * XState selects, `null` when it selects none, or `undefined` when this cannot tell as XState would.
 */
export function selectTransition(
  machine: Machine,
  snapshot: ElectionSnapshot,
  state: string,
  input: Input,
): Candidate | null | undefined {
  if (hasWildcards(machine)) return undefined;
  const child: Node | undefined = machine.root.states?.[state];
  if (child === undefined) return undefined;
  const own = firstPassing(child, snapshot, input);
  return own === null ? firstPassing(machine.root, snapshot, input) : own;
}

/** The first of `node`'s candidates for the input whose guard passes (`null`: none; `undefined`: ask XState). */
function firstPassing(node: Node, snapshot: ElectionSnapshot, input: Input): Candidate | null | undefined {
  const candidates = node.transitions.get(input.type);
  if (candidates === undefined) return null;
  for (const candidate of candidates) {
    const passed = evaluate(candidate.guard, snapshot, input);
    if (passed === UNKNOWN) return undefined;
    if (passed) return candidate;
  }
  return null;
}
