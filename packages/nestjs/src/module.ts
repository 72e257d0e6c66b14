/**
 * `LeaseholdModule`: one election per application, global, so `LeadershipService` and
 * `LeaseholdHealthIndicator` inject anywhere. Providers are made by factories with explicit tokens: the
 * package needs no decorator metadata (`emitDecoratorMetadata`) and no decorator syntax of its own.
 */
import type { DynamicModule, Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { LeaseholdHealthIndicator } from './health-indicator.ts';
import { findLeaderWork } from './leader-work.ts';
import { LeadershipService } from './leadership.service.ts';
import {
  LEASEHOLD_OPTIONS,
  type LeaseholdModuleAsyncOptions,
  type LeaseholdModuleOptions,
} from './options.ts';

/**
 * The Nest module: `forRoot(options)` or `forRootAsync({ imports, inject, useFactory })` in the root module's
 * imports. Global: `LeadershipService` and `LeaseholdHealthIndicator` inject anywhere.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes with static forRoot factories.
export class LeaseholdModule {
  /** The module with these options: the election starts when the application bootstraps. */
  static forRoot(options: LeaseholdModuleOptions): DynamicModule {
    return module({ provide: LEASEHOLD_OPTIONS, useValue: options }, []);
  }

  /** The module with options made by a factory (which may inject providers of `imports`). */
  static forRootAsync(options: LeaseholdModuleAsyncOptions): DynamicModule {
    const { useFactory, inject = [], imports = [] } = options;
    return module({ provide: LEASEHOLD_OPTIONS, useFactory, inject }, imports);
  }
}

function module(optionsProvider: Provider, imports: NonNullable<DynamicModule['imports']>): DynamicModule {
  return {
    module: LeaseholdModule,
    global: true,
    imports: [DiscoveryModule, ...imports],
    providers: [
      optionsProvider,
      {
        provide: LeadershipService,
        useFactory: (
          options: LeaseholdModuleOptions,
          discovery: DiscoveryService,
          scanner: MetadataScanner,
          reflector: Reflector,
        ) => new LeadershipService(options, () => findLeaderWork(discovery, scanner, reflector)),
        inject: [LEASEHOLD_OPTIONS, DiscoveryService, MetadataScanner, Reflector],
      },
      {
        provide: LeaseholdHealthIndicator,
        useFactory: (leadership: LeadershipService, options: LeaseholdModuleOptions) =>
          new LeaseholdHealthIndicator(leadership, options.livenessToleranceSeconds),
        inject: [LeadershipService, LEASEHOLD_OPTIONS],
      },
    ],
    exports: [LeadershipService, LeaseholdHealthIndicator],
  };
}
