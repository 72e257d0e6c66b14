/**
 * `@leasehold/core`: leader election as a pure statechart plus a thin driver.
 *
 * Guarantees (under the bounds in docs/guarantees.md):
 * - At most one candidate believes it leads at any instant, provided clock *rates* differ by less than the
 *   factor leaseDuration / renewDeadline and no process pauses longer than leaseDuration - renewDeadline.
 *   Clock *offsets* do not matter: lease expiry is judged on each candidate's own monotonic clock from when
 *   it saw the record change; the record's renewTime is never compared with a local clock.
 * - A leader that cannot renew within renewDeadline (from the last renewal it sent) stops leading and aborts
 *   the signal given to onStartedLeading before any other candidate may take over.
 * - Every write is a compare-and-swap on the version last seen; leaderTransitions grows by one with each
 *   change of holder.
 * - The lock's watch is a hint: followers stop polling while it reports itself live, but no decision rests
 *   on it, so a watch that misses changes delays a takeover (by up to one lease), never doubles a leader.
 *
 * Non-guarantees: no fencing of the leader's own side effects (use leaderTransitions as a token in the
 * systems you write to); no safety if someone deletes the lock by hand while a candidate that has neither
 * read the old holder's record nor lost a create to it is starting; no protection from clocks whose rates
 * drift past the bound.
 *
 * This entry is what applications use. Two more: `@leasehold/core/statechart` (the XState statechart,
 * `step` and the inspector bridge, for tools) and `@leasehold/core/internal` (shared with the other Leasehold
 * packages; unstable).
 *
 * @packageDocumentation
 */

export type { ElectionConfigOptions, MaybePromise } from './config.ts';
export { DEFAULT_TAKEOVER_SLOT, DEFAULT_TIMINGS, ElectionConfig, JITTER_FACTOR } from './config.ts';
export type { LeaderElectionOptions } from './driver.ts';
export { LeaderElection } from './driver.ts';
export type { ElectionSnapshotView, ElectionState, ElectionStatechart } from './election-view.ts';
export { REPEAT_REPORT_MS } from './error-reporter.ts';
export type { LockErrorKind } from './errors.ts';
export {
  ConfigError,
  DuplicateIdentityError,
  ElectionStateError,
  IllegalTransitionError,
  isLockError,
  LeadershipLostError,
  LockError,
  LockRecovered,
  RepeatedFailure,
  toLockError,
} from './errors.ts';
export type { HealthHandlerOptions, HealthRequest, HealthResponse, HealthResult } from './health.ts';
export {
  checkLiveness,
  checkReadiness,
  DEFAULT_LIVENESS_TOLERANCE_SECONDS,
  healthHandler,
} from './health.ts';
export type { Leadership, LeadershipProbe } from './leadership.ts';
export { leadership } from './leadership.ts';
export type { AsLoggerOptions, LogFields, Logger, LoggerLike, LogLevel } from './logging.ts';
export { asLogger, LOG_LEVELS } from './logging.ts';
export type {
  Effect,
  ElectionContext,
  Handoff,
  HandoverOutcome,
  Herd,
  Input,
  InputType,
  LeaseView,
  Lifecycle,
  OpPurpose,
  PendingOp,
  PendingStop,
  RunMode,
  Stamp,
  StoppedReason,
  StopRequest,
  TimerName,
  Timing,
  Twins,
} from './machine/types.ts';
export type { Clock, Lock, LockCallOptions, LockSnapshot, TimerHandle } from './ports.ts';
export type { LeaderElectionRecord, LeaderElectionRecordJSON } from './record.ts';
export {
  checkStoredRecord,
  emptyRecord,
  MAX_IDENTITY_LENGTH,
  MAX_LEADER_TRANSITIONS,
  MAX_LEASE_SECONDS,
  MAX_RECORD_CHARS,
  parseRecord,
  RecordParseError,
  recordFromJSON,
  recordToJSON,
  stringifyRecord,
} from './record.ts';
export { systemClock } from './system.ts';
export type { TimingGoals, TimingGuarantees, TimingPresetName, Timings } from './timings.ts';
export {
  DEFAULT_PAUSE_GOAL,
  deriveTimings,
  MAX_RENEWAL_ATTEMPTS,
  MIN_RENEWAL_ATTEMPTS,
  timingGuarantees,
  timingPresets,
} from './timings.ts';
export type { TransitionInfo } from './transition-info.ts';
