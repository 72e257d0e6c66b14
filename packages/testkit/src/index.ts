/**
 * `@leasehold/testkit`: proof by experiment. A deterministic simulator of multi-candidate clusters (virtual
 * clocks with drift, seeded faults, an invariant checker), the lock conformance suite for any `Lock`
 * backend, and helpers to drive a `ManualClock` from tests.
 *
 * @packageDocumentation
 */

export { retryingClient, trustingRemoteRenewTime, withoutCompareAndSwap } from './broken.ts';
export type { Violation } from './checker.ts';
export {
  cadenceViolations,
  checkCadence,
  checkLinearizable,
  checkLiveness,
  checkRenewals,
  checkRun,
  checkSingleLeader,
  checkTokenOrder,
  leaderlessWindows,
  maxInWindow,
  peakRequestRate,
  runLinearizability,
  storeCadenceViolations,
} from './checker.ts';
export type {
  BackendFactory,
  BackendRun,
  LeaderInterval,
  LockLogEntry,
  RunResult,
  SimulatedBackend,
  SimulateOptions,
  TraceEntry,
} from './cluster.ts';
export { simulate } from './cluster.ts';
export type {
  ConformanceCheck,
  ConformanceOptions,
  LockFixture,
  LockFixtureFactory,
} from './conformance.ts';
export {
  ConformanceError,
  checksFor,
  lockConformanceChecks,
  malformedCheck,
  runLockConformance,
  sampleRecord,
  watchCheck,
} from './conformance.ts';
export type {
  LinearizabilityOptions,
  LinearizabilityResult,
  LinearizabilityViolation,
} from './linearizability/check.ts';
export { checkLinearizability } from './linearizability/check.ts';
export type { LockHistory, LockOp, LockOperation, LockOutcome } from './linearizability/history.ts';
export { HistoryRecorder } from './linearizability/recorder.ts';
export type { WorkloadOptions, WorkloadResult } from './linearizability/workload.ts';
export { runConcurrentWorkload } from './linearizability/workload.ts';
export type { ProcessClockSpec } from './process.ts';
export { SimProcess } from './process.ts';
export type { BackendCheckOptions, BackendCheckResult } from './property.ts';
export { checkBackend } from './property.ts';
export { Random } from './random.ts';
export {
  describeFailure,
  formatRequest,
  formatRequestsAround,
  formatTrace,
  replayCommand,
  requestsAround,
} from './report.ts';
export type {
  FaultEvent,
  FaultKind,
  FaultKnobs,
  Scenario,
  ScenarioOverrides,
  ScenarioTiming,
  Variant,
} from './scenario.ts';
export { livenessBoundMs, maxTakeoverStagger, pauseBoundMs, scenarioFromSeed } from './scenario.ts';
export { Scheduler } from './scheduler.ts';
export type {
  InspectionEventLike,
  InspectionListener,
  InspectionObserver,
  SimulationInspector,
} from './simulation-inspector.ts';
export type {
  StoreBackend,
  StoreFaultContext,
  StoreFaultKind,
  StoreFaultOptions,
} from './store-faults.ts';
export { defaultStoreFaults, isStoreBackend, storeBackend, withStoreFaults } from './store-faults.ts';
export type { StoreLogEntry } from './store-log.ts';
export { advance, advanceUntil, settle } from './time.ts';
export type { TimelineOptions } from './timeline.ts';
export { renderTimeline, writeTimeline, zoomWindow } from './timeline.ts';
export type { BackendVerification, Verdict, VerifyOptions } from './verify.ts';
export { DEFAULT_WORKLOADS, verifyBackend } from './verify.ts';
