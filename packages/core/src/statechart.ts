/**
 * `@leasehold/core/statechart`: the election as an XState statechart, for tools: the machine, the pure
 * `step` over it, the inspector bridge, and an election's machine and snapshot with XState's types.
 *
 * This entry's declarations import XState's. Those do not check under a strict consumer's
 * `exactOptionalPropertyTypes` without `skipLibCheck`, which is why the main entry (`@leasehold/core`) keeps
 * them out: applications import the main entry; tools that drive XState import this one.
 *
 * @packageDocumentation
 */

export type { ElectionInspection, ElectionInspector } from './inspect.ts';
export { inspectElection } from './inspect.ts';
export type { StepName, StepsParams, StepTable } from './machine/compose.ts';
export { stepActions } from './machine/compose.ts';
export { electionMachine, withSteps } from './machine/machine.ts';
export { MAX_RELEASE_ATTEMPTS } from './machine/rules.ts';
export type { ElectionSnapshot } from './machine/step.ts';
export { accepts, contextOf, initialSnapshot, stateOf, step } from './machine/step.ts';
export type { Step, StepAction } from './machine/steps.ts';
export type { MachineInput } from './machine/types.ts';
export { machineOf, snapshotOf } from './typed-statechart.ts';
