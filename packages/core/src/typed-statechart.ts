/**
 * An election's statechart and snapshot with XState's types (`@leasehold/core/statechart`). The main entry
 * types them without XState (election-view.ts); these give back the full types for tools that drive XState
 * (the inspector, `step`, `.provide()` variants).
 */
import type { LeaderElection } from './driver.ts';
import type { electionMachine } from './machine/machine.ts';
import type { ElectionSnapshot } from './machine/step.ts';

/** The statechart `election` runs: `electionMachine`, or the variant given as its `machine` option. */
export function machineOf(election: LeaderElection): typeof electionMachine {
  // The driver only ever holds `electionMachine` or a `.provide()` variant of it (its option's type says so
  // on this entry): the main entry's opaque type hides only the XState declarations.
  return election.machine as typeof electionMachine;
}

/** `election`'s current statechart snapshot. */
export function snapshotOf(election: LeaderElection): ElectionSnapshot {
  // The driver's snapshot is the XState snapshot itself; the main entry types it by the parts tools read.
  return election.snapshot as ElectionSnapshot;
}
