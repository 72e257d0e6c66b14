import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { advance, advanceUntil } from '@leasehold/testkit';
import { register as globalRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ElectionMetrics } from '../src/index.ts';

function candidate(store: MemoryLockStore, clock: ManualClock, id: string, name = 'jobs'): LeaderElection {
  return new LeaderElection(
    new ElectionConfig({
      lock: store.lock(name, id),
      name,
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      clock,
      seed: 3,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: () => {},
    }),
  );
}

/** One sample's value from the registry's exposition, or undefined when the series is absent. */
async function sample(
  registry: Registry,
  metric: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const json = await registry.getMetricsAsJSON();
  const family = metric.replace(/_(count|sum|bucket)$/, '');
  const found = json.find((m) => m.name === metric) ?? json.find((m) => m.name === family);
  const value = found?.values.find(
    (v) =>
      ('metricName' in v ? v.metricName === metric : true) &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return value?.value;
}

describe('ElectionMetrics', () => {
  it("moves client-go's gauge and counts requests, renewals, failures and transitions from the transitions", async () => {
    const clock = new ManualClock();
    const store = new MemoryLockStore({ clock });
    const metrics = new ElectionMetrics();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b', 'jobs');
    // Two elections reporting under different names would use `name`; here both are `jobs`, so observe
    // them in separate registries, as separate processes would.
    const other = new ElectionMetrics();
    metrics.observe(a);
    other.observe(b);
    void a.acquire();
    expect(await advanceUntil(clock, () => a.isLeader(), 5_000)).toBe(true);
    void b.acquire();
    await advance(clock, 30_000);

    const m = (r: ElectionMetrics, metric: string, labels: Record<string, string> = {}) =>
      sample(r.registry, metric, { name: 'jobs', ...labels });
    expect(await m(metrics, 'leader_election_master_status')).toBe(1);
    expect(await m(other, 'leader_election_master_status')).toBe(0);
    expect(await m(metrics, 'leasehold_leadership_transitions_total', { transition: 'started' })).toBe(1);
    expect(await m(metrics, 'leasehold_acquire_duration_seconds_count')).toBe(1);
    // 30 s of leading at one renewal per 2 s: about 15 renewals, each timed.
    const renewals = await m(metrics, 'leasehold_renewal_duration_seconds_count');
    expect(renewals).toBeGreaterThanOrEqual(14);
    expect(await m(metrics, 'leasehold_lock_requests_total', { request: 'update', role: 'leader' })).toBe(
      renewals,
    );
    // The follower's watch is live: it reads once, then sends nothing while the leader renews.
    expect(await m(other, 'leasehold_watch_live')).toBe(1);
    const followerGets = await m(other, 'leasehold_lock_requests_total', {
      request: 'get',
      role: 'follower',
    });
    expect(followerGets).toBeLessThanOrEqual(2);
    expect(await m(other, 'leasehold_record_clock_offset_seconds')).toBe(0); // one clock, no delivery delay
    expect(await m(metrics, 'leader_election_slowpath_total')).toBe(0);

    // Renewals fail for a while: failures by kind; the leader's next renewal reads first (client-go's slow path).
    store.setFaults((request) => (request.identity === 'a' ? { fail: 'Unavailable' } : undefined));
    await advance(clock, 5_000);
    store.setFaults(undefined);
    await advance(clock, 4_000);
    expect(
      await m(metrics, 'leasehold_lock_request_failures_total', { kind: 'Unavailable' }),
    ).toBeGreaterThan(0);
    expect(await m(metrics, 'leasehold_lock_request_failures_total', { kind: 'Forbidden' })).toBe(0);
    expect(await m(metrics, 'leader_election_master_status')).toBe(1);
    expect(await m(metrics, 'leader_election_slowpath_total')).toBe(0); // retried on the known version

    // A renewal that loses its compare-and-swap (a phantom writer) is re-read first: client-go's slow path.
    let conflicts = 1;
    store.setFaults((request) =>
      request.identity === 'a' && request.op === 'update' && conflicts-- > 0 ? { conflict: true } : undefined,
    );
    await advance(clock, 6_000);
    store.setFaults(undefined);
    expect(await m(metrics, 'leader_election_slowpath_total')).toBe(1);
    expect(await m(metrics, 'leasehold_lock_request_failures_total', { kind: 'Conflict' })).toBe(1);
    expect(await m(metrics, 'leader_election_master_status')).toBe(1);

    // Handover: the gauges swap.
    await a.stop();
    expect(await advanceUntil(clock, () => b.isLeader(), 10_000)).toBe(true);
    expect(await m(metrics, 'leader_election_master_status')).toBe(0);
    expect(await m(other, 'leader_election_master_status')).toBe(1);
    expect(await m(metrics, 'leasehold_leadership_transitions_total', { transition: 'stopped' })).toBe(1);
    expect(await m(other, 'leasehold_acquire_duration_seconds_count')).toBe(1);
    // The stop ended a's election: the statechart closed its watch (`closeWatch`), so it is not live.
    expect(await m(metrics, 'leasehold_watch_live')).toBe(0);
    expect(await m(other, 'leasehold_watch_live')).toBe(1);
    await b.stop();
  });

  it('registers in the registry given, never the global one, and removes an election when asked', async () => {
    const registry = new Registry();
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const metrics = new ElectionMetrics({ registry, prefix: 'app_le_' });
    expect(metrics.registry).toBe(registry);
    expect((await globalRegistry.getMetricsAsJSON()).length).toBe(before);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'app_le_acquire_duration_seconds',
      'app_le_leadership_transitions_total',
      'app_le_lock_request_failures_total',
      'app_le_lock_requests_total',
      'app_le_record_clock_offset_seconds',
      'app_le_renewal_duration_seconds',
      'app_le_watch_live',
      'leader_election_master_status',
      'leader_election_slowpath_total',
    ]);
    const clock = new ManualClock();
    const election = candidate(new MemoryLockStore({ clock }), clock, 'a', 'reports');
    const stop = metrics.observe(election);
    expect(await sample(registry, 'leader_election_master_status', { name: 'reports' })).toBe(0);
    stop();
    expect(await sample(registry, 'leader_election_master_status', { name: 'reports' })).toBeUndefined();
    expect(await registry.metrics()).not.toContain('name="reports"');
  });
});
