/**
 * The module with what applications plug into it: forRootAsync's factory and imports, LeadershipService
 * injected into an application's own provider, @nestjs/terminus's HealthCheckService reading the indicator
 * (503 for a stuck leader's liveness and a follower's readiness), and @leasehold/metrics.
 */
import { type Clock, systemClock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { ElectionMetrics } from '@leasehold/metrics';
import { Module, ServiceUnavailableException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { afterEach, expect, it } from 'vitest';
import { LeadershipService, LeaseholdHealthIndicator, LeaseholdModule } from '../src/index.ts';
import { type Event, LOCK, replica, TIMINGS, until } from './fixtures.ts';

const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((app) => app.close()));
});

it('forRootAsync: options from a factory injecting an imported provider; LeadershipService in app code', async () => {
  const store = new MemoryLockStore();
  const SETTINGS = Symbol('settings');
  @Module({ providers: [{ provide: SETTINGS, useValue: { identity: 'async-a' } }], exports: [SETTINGS] })
  class SettingsModule {}

  class Reporter {
    readonly #leadership: LeadershipService;
    constructor(leadership: LeadershipService) {
      this.#leadership = leadership;
    }
    report(): string {
      return this.#leadership.isLeader() ? 'leading' : 'following';
    }
  }

  @Module({
    imports: [
      LeaseholdModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SETTINGS],
        useFactory: async (settings: { identity: string }) => ({
          lock: store.lock(LOCK, settings.identity),
          ...TIMINGS,
        }),
      }),
    ],
    providers: [
      {
        provide: Reporter,
        useFactory: (l: LeadershipService) => new Reporter(l),
        inject: [LeadershipService],
      },
    ],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  closing.push(app);
  const reporter = app.get(Reporter);
  await until(() => reporter.report() === 'leading', 10_000, 'async-a leads');
  expect(store.peek(LOCK)?.record.holderIdentity).toBe('async-a');
});

/** The system clock, with `now()` pushed forward on demand: a leader whose renewal timers seem stuck. */
function skewedClock(): Clock & { skewMs: number } {
  const clock = {
    skewMs: 0,
    now: () => systemClock.now() + clock.skewMs,
    wallNow: () => systemClock.wallNow(),
    setTimer: (ms: number, fn: () => void) => systemClock.setTimer(ms, fn),
    clearTimer: (handle: Parameters<Clock['clearTimer']>[0]) => systemClock.clearTimer(handle),
  };
  return clock;
}

it('terminus reads the indicator: liveness up for leader and follower, down for a stuck leader; readiness for the leader only', async () => {
  const store = new MemoryLockStore();
  const events: Event[] = [];
  const clock = skewedClock();
  const withTerminus = async (identity: string, extra = {}) => {
    const r = await replica(store, identity, events, extra, [TerminusModule]);
    closing.push(r.app);
    return { ...r, health: r.app.get(HealthCheckService, { strict: false }) };
  };
  const leader = await withTerminus('h-leader', { clock });
  await until(() => leader.app.get(LeadershipService).isLeader(), 10_000, 'h-leader leads');
  const follower = await withTerminus('h-follower');
  await until(() => follower.app.get(LeadershipService).leader === 'h-leader', 10_000, 'follower sees');

  const indicator = (r: typeof leader) => r.app.get(LeaseholdHealthIndicator);
  for (const r of [leader, follower]) {
    const live = await r.health.check([() => indicator(r).isHealthy()]);
    expect(live.status).toBe('ok');
    expect(live.details['leader-election']?.leader).toBe('h-leader');
  }
  expect((await leader.health.check([() => indicator(leader).isLeading('lead')])).status).toBe('ok');
  const notReady = await follower.health.check([() => indicator(follower).isLeading()]).catch((e) => e);
  expect(notReady).toBeInstanceOf(ServiceUnavailableException);
  expect((notReady as ServiceUnavailableException).getStatus()).toBe(503);

  // The leader's clock jumps past lease + tolerance without a renewal: liveness fails (the kubelet restarts).
  clock.skewMs = (TIMINGS.leaseDuration + 20 + 1) * 1000;
  const stuck = await leader.health.check([() => indicator(leader).isHealthy()]).catch((e) => e);
  expect(stuck).toBeInstanceOf(ServiceUnavailableException);
  const body = (stuck as ServiceUnavailableException).getResponse() as {
    error: Record<string, { reason: string }>;
  };
  expect(body.error['leader-election']?.reason).toMatch(/has not renewed/);
});

it('metrics: ElectionMetrics observes the election the module makes', async () => {
  const store = new MemoryLockStore();
  const metrics = new ElectionMetrics();
  const r = await replica(store, 'm-a', [], { metrics, name: 'nest-metrics' });
  closing.push(r.app);
  await until(() => r.app.get(LeadershipService).isLeader(), 10_000, 'm-a leads');
  const text = await metrics.registry.metrics();
  expect(text).toContain('leader_election_master_status{name="nest-metrics"} 1');
  expect(text).toMatch(
    /leasehold_leadership_transitions_total\{name="nest-metrics",transition="started"\} 1/,
  );
});
