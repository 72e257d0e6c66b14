/**
 * `@leasehold/memory`: an in-memory lock store with compare-and-swap and fault injection. Use it for elections
 * inside one process, for tests of code that uses an election, and in the simulator.
 *
 * @packageDocumentation
 */

export type { FaultInjector, FaultPlan, MemoryOp, MemoryRequest, PlanContext } from './faults.ts';
export { runPlanned } from './faults.ts';
export type { MemoryLockStoreOptions } from './store.ts';
export { MemoryLock, MemoryLockStore } from './store.ts';
export type { WithFaultsOptions } from './with-faults.ts';
export { withFaults } from './with-faults.ts';
