/**
 * Probes through @nestjs/terminus: `/healthz` is liveness (a leader whose renewals stopped is unhealthy, so
 * the kubelet restarts it; a follower is healthy), `/readyz` is ready only while leading (for a Service that
 * must reach the leader only; leave it out if every replica serves traffic).
 */
// biome-ignore lint/style/useImportType: Nest injects by the constructor's parameter types, read at run time (emitDecoratorMetadata)
import { LeaseholdHealthIndicator } from '@leasehold/nestjs';
import { Controller, Get } from '@nestjs/common';
// biome-ignore lint/style/useImportType: Nest injects by the constructor's parameter types, read at run time (emitDecoratorMetadata)
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

@Controller()
export class HealthController {
  readonly #health: HealthCheckService;
  readonly #election: LeaseholdHealthIndicator;

  constructor(health: HealthCheckService, election: LeaseholdHealthIndicator) {
    this.#health = health;
    this.#election = election;
  }

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.#health.check([() => this.#election.isHealthy()]);
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.#health.check([() => this.#election.isLeading()]);
  }
}
