/**
 * What one step of the statechart did, as the driver reports it to its listeners (the logger, metrics, the
 * simulator, the inspector bridge). Its own file so that the logger can read it without importing the
 * driver that calls the logger.
 */
import type { ElectionSnapshotView, ElectionState } from './election-view.ts';
import type { Effect, Input } from './machine/types.ts';

/** One processed input, for tracing, tests, the simulator and the inspector bridge. */
export interface TransitionInfo {
  /** The input processed. */
  readonly input: Input;
  /** The state before it. */
  readonly from: ElectionState;
  /** The state after it. */
  readonly to: ElectionState;
  /** The effects it produced, in the order the driver performs them. */
  readonly effects: readonly Effect[];
  /** The statechart snapshot after it (`snapshotOf` in `@leasehold/core/statechart` types it fully). */
  readonly snapshot: ElectionSnapshotView;
}
