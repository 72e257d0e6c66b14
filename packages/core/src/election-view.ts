/**
 * The statechart as the main entry (`@leasehold/core`) shows it: the state names, the snapshot's context and
 * status, and an opaque handle on the machine, all without XState's types. Those declarations do not check
 * under a strict consumer's `exactOptionalPropertyTypes` without `skipLibCheck`, so they stay behind the
 * `@leasehold/core/statechart` subpath (`snapshotOf`, `machineOf` give the XState-typed values).
 */
import type { ElectionContext } from './machine/types.ts';

/** The statechart's top-level states. */
export type ElectionState = 'stopped' | 'follower' | 'leader' | 'releasing' | 'handingOver';

/**
 * The statechart snapshot after a step, as `LeaderElection.snapshot` and `TransitionInfo.snapshot` give it: the
 * XState snapshot itself, typed by the parts tools read. `snapshotOf` (`@leasehold/core/statechart`) gives
 * it with XState's type.
 */
export interface ElectionSnapshotView {
  /** The state value (a top-level state's name, or an object for a nested state). */
  readonly value: unknown;
  /** What the election knows: the lease view, timers, requests in flight. */
  readonly context: ElectionContext;
  /** XState's actor status; an election's snapshot stays `active`. */
  readonly status: 'active' | 'done' | 'error' | 'stopped';
}

/**
 * A statechart an election runs: `electionMachine` from `@leasehold/core/statechart` or a variant of it built
 * with `.provide()` (testkit's broken variants). Opaque here; `machineOf` gives it with XState's type.
 */
export interface ElectionStatechart {
  /** The machine's id. */
  readonly id: string;
}
