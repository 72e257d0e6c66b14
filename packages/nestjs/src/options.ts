/**
 * What `LeaseholdModule.forRoot` and `forRootAsync` take: the election's own options (docs/guide.md), with
 * the two leadership callbacks optional because leader work is usually declared with `@OnLeadership()`.
 */
import type {
  ElectionConfigOptions,
  LeaderElection,
  Leadership,
  MaybePromise,
  StoppedReason,
} from '@leasehold/core';
import type { DynamicModule, FactoryProvider } from '@nestjs/common';

/**
 * Anything that reports an election somewhere when handed it: `ElectionMetrics` from `@leasehold/metrics`
 * fits. Typed by shape so this package needs neither `@leasehold/metrics` nor prom-client unless you use them.
 */
export interface ElectionObserver {
  /** Starts reporting `election` (called once, when the election is made). */
  observe(election: LeaderElection): unknown;
}

/** `LeaseholdModule.forRoot`'s options. */
export interface LeaseholdModuleOptions
  extends Omit<ElectionConfigOptions, 'onStartedLeading' | 'onStoppedLeading'> {
  /**
   * Called when this replica starts leading, before the `@OnLeadership()` methods, with the same signal.
   * Optional: leader work is usually a provider's method marked `@OnLeadership()`.
   */
  onStartedLeading?: (signal: AbortSignal, leadership: Leadership) => MaybePromise<void>;
  /** Called once leadership has ended, after the `@OnLeadershipEnd()` methods. */
  onStoppedLeading?: (reason: StoppedReason) => MaybePromise<void>;
  /** Reports the election, e.g. `new ElectionMetrics({ registry })`; observed once the election is made. */
  metrics?: ElectionObserver;
  /**
   * Seconds past the lease before `LeaseholdHealthIndicator.isHealthy` reports a stuck leader; default 20
   * (client-go's, as `checkLiveness`).
   */
  livenessToleranceSeconds?: number;
}

/** `LeaseholdModule.forRootAsync`'s options: the options from a factory, as other Nest modules take them. */
export interface LeaseholdModuleAsyncOptions {
  /** Modules whose providers the factory injects (e.g. `ConfigModule`). */
  imports?: DynamicModule['imports'];
  /** Tokens of the factory's arguments, in order. */
  inject?: FactoryProvider['inject'];
  /** Makes the options; may be async (read a config service, load a kubeconfig). */
  useFactory: (...args: never[]) => MaybePromise<LeaseholdModuleOptions>;
}

/** The injection token of the module's options. */
export const LEASEHOLD_OPTIONS = Symbol('LEASEHOLD_OPTIONS');
