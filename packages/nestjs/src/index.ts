/**
 * `@leasehold/nestjs`: Leasehold leader election in a NestJS application.
 *
 * - `LeaseholdModule.forRoot(options)` / `forRootAsync({ imports, inject, useFactory })`: one election per
 *   application (a global module); it starts campaigning when the application bootstraps.
 * - `@OnLeadership()` on a provider's method: leader-only work, called with a signal that aborts when
 *   leadership ends; `@OnLeadershipEnd()`: called after, with why.
 * - `LeadershipService`: `isLeader()`, `leader`, `stepDown()`, the `LeaderElection` itself.
 * - Closing the application (`app.close()`, or SIGTERM with `enableShutdownHooks()`) stops the work, waits
 *   for it, and releases the lease, so another replica takes over at once.
 * - `LeaseholdHealthIndicator` for `@nestjs/terminus` (optional peer); metrics through the `metrics` option
 *   (`ElectionMetrics` from `@leasehold/metrics`).
 *
 * @packageDocumentation
 */

export type { LeadershipEndHandler, LeadershipStartHandler, MethodOf } from './decorators.ts';
export { ON_LEADERSHIP, ON_LEADERSHIP_END, OnLeadership, OnLeadershipEnd } from './decorators.ts';
export type { LeaseholdHealthResult } from './health-indicator.ts';
export { LeaseholdHealthIndicator } from './health-indicator.ts';
export type { LeaderWork } from './leader-work.ts';
export { LeadershipService } from './leadership.service.ts';
export { LeaseholdModule } from './module.ts';
export type { ElectionObserver, LeaseholdModuleAsyncOptions, LeaseholdModuleOptions } from './options.ts';
export { LEASEHOLD_OPTIONS } from './options.ts';
