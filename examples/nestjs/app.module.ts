/**
 * The application: a Lease elects the leader among the replicas (LeaseholdModule), the reconcile loop runs
 * on the leader only, and every replica serves its probes and metrics.
 */
import { ElectionMetrics } from '@leasehold/metrics';
import { LeaseholdModule } from '@leasehold/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { CommonOptions } from '../shared/cli.ts';
import { leaseLock } from '../shared/election.ts';
import { HealthController } from './health.controller.ts';
import { MetricsController } from './metrics.controller.ts';
import { Reconciler } from './reconciler.ts';
import { ReplicaLog } from './replica-log.ts';

@Module({})
export class AppModule {}

/** The application module for one replica with these command-line options. */
export function appModule(options: CommonOptions): DynamicModule {
  const log = new ReplicaLog(options.identity);
  const metrics = new ElectionMetrics();
  return {
    module: AppModule,
    imports: [
      TerminusModule,
      LeaseholdModule.forRoot({
        lock: leaseLock(options), // a LeaseLock named by --name, --namespace and --identity
        leaseDuration: options.leaseDuration,
        renewDeadline: options.renewDeadline,
        retryPeriod: options.retryPeriod,
        metrics,
        onError: (error) => log.write(`election error: ${String(error)}`),
      }),
    ],
    controllers: [HealthController, MetricsController],
    providers: [
      Reconciler,
      { provide: ReplicaLog, useValue: log },
      { provide: ElectionMetrics, useValue: metrics },
    ],
  };
}
