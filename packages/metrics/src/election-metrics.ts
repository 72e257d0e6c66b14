/**
 * Prometheus metrics of elections, with prom-client, derived from each election's transitions
 * (`LeaderElection.subscribe`): nothing is measured that the statechart did not do. docs/operations.md
 * "Metrics" lists them with example alerts.
 *
 * client-go's two keep their names, help and label, so existing dashboards and alerts work:
 * `leader_election_master_status{name}` (1 while leading) and `leader_election_slowpath_total{name}` (a
 * leader's renewal that needed a fresh read of the lock: after a conflict or a failure). The others are
 * Leasehold's, prefixed `leasehold_`.
 *
 * Metrics are registered in the registry given (a fresh one by default), when an `ElectionMetrics` is made:
 * never on import, never in prom-client's global registry unless you pass it.
 */
import type { Input, LeaderElection, LockErrorKind, TransitionInfo } from '@leasehold/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where and how the metrics are registered. */
export interface ElectionMetricsOptions {
  /** The registry to register in; default a new one (`ElectionMetrics.registry`). */
  readonly registry?: Registry;
  /** Prefix of Leasehold's own metric names; default `leasehold_`. client-go's names are never prefixed. */
  readonly prefix?: string;
  /** Buckets (seconds) of the request-latency histogram; default 5 ms to 10 s. */
  readonly latencyBuckets?: readonly number[];
  /** Buckets (seconds) of the time-to-acquire histogram; default 10 ms to 5 min. */
  readonly acquireBuckets?: readonly number[];
}

/** Every `LockErrorKind`, so each series exists (at 0) from the start and `rate()` sees the first failure. */
const KINDS: readonly LockErrorKind[] = ['Unavailable', 'Forbidden', 'Malformed', 'NotFound', 'Conflict'];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const ACQUIRE_BUCKETS = [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300];

/** The metrics of one registry; `observe` each election that should report into them. */
export class ElectionMetrics {
  /** The registry the metrics are in: serve `await registry.metrics()` as `registry.contentType`. */
  readonly registry: Registry;
  readonly #leader: Gauge<'name'>;
  readonly #slowpath: Counter<'name'>;
  readonly #transitions: Counter<'name' | 'transition'>;
  readonly #acquire: Histogram<'name'>;
  readonly #renewal: Histogram<'name'>;
  readonly #failures: Counter<'name' | 'kind'>;
  readonly #requests: Counter<'name' | 'request' | 'role'>;
  readonly #watchLive: Gauge<'name'>;
  readonly #offset: Gauge<'name'>;

  constructor(options: ElectionMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const p = options.prefix ?? 'leasehold_';
    this.#leader = new Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'],
      registers,
    });
    this.#slowpath = new Counter({
      name: 'leader_election_slowpath_total',
      help: "Total number of slow path exercised in renewing leader leases. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ['name'],
      registers,
    });
    this.#transitions = new Counter({
      name: `${p}leadership_transitions_total`,
      help: 'Times this candidate started or stopped leading (transition="started"|"stopped").',
      labelNames: ['name', 'transition'],
      registers,
    });
    this.#acquire = new Histogram({
      name: `${p}acquire_duration_seconds`,
      help: 'Time from starting to campaign (or losing leadership) to leading, in seconds.',
      labelNames: ['name'],
      buckets: [...(options.acquireBuckets ?? ACQUIRE_BUCKETS)],
      registers,
    });
    this.#renewal = new Histogram({
      name: `${p}renewal_duration_seconds`,
      help: "Latency of a leader's renewal: from sending the write to its answer, in seconds.",
      labelNames: ['name'],
      buckets: [...(options.latencyBuckets ?? LATENCY_BUCKETS)],
      registers,
    });
    this.#failures = new Counter({
      name: `${p}lock_request_failures_total`,
      help: 'Lock requests that failed, by kind: Unavailable (includes timeouts), Forbidden, Malformed, NotFound, and Conflict (a lost compare-and-swap: contention, not a fault).',
      labelNames: ['name', 'kind'],
      registers,
    });
    this.#requests = new Counter({
      name: `${p}lock_requests_total`,
      help: 'Lock requests sent, by request (get, create, update) and the role of the sender (leader, follower).',
      labelNames: ['name', 'request', 'role'],
      registers,
    });
    this.#watchLive = new Gauge({
      name: `${p}watch_live`,
      help: "1 while the lock's watch reports itself live (followers then send no requests), else 0.",
      labelNames: ['name'],
      registers,
    });
    this.#offset = new Gauge({
      name: `${p}record_clock_offset_seconds`,
      help: "Another holder's record renewTime minus this candidate's wall clock when it saw the record, in seconds: clock skew plus delivery delay. Informational: no decision uses it.",
      labelNames: ['name'],
      registers,
    });
  }

  /**
   * Reports `election` under its config's `name` from now on; returns the function that stops reporting it
   * and removes its series.
   */
  observe(election: LeaderElection): () => void {
    const name = election.config.name;
    const identity = election.config.identity;
    this.#leader.set({ name }, election.isLeader() ? 1 : 0);
    this.#watchLive.set({ name }, 0);
    for (const kind of KINDS) this.#failures.inc({ name, kind }, 0);
    this.#slowpath.inc({ name }, 0);
    /** When the current campaign began, and when the renewal in flight was sent (the election's ms). */
    let campaignSince: number | null = null;
    let renewalSentAt: number | null = null;
    const unsubscribe = election.subscribe((info: TransitionInfo) => {
      const { input, from, to } = info;
      this.#answer(name, input, renewalSentAt);
      if (input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_FAILED' || input.type === 'LOCK_READ')
        renewalSentAt = null;
      if (input.type === 'WATCH_HEALTH') this.#watchLive.set({ name }, input.live ? 1 : 0);
      // The statechart closes the watch when the election ends: no health report follows, it is not live.
      if (info.effects.some((e) => e.type === 'closeWatch')) this.#watchLive.set({ name }, 0);
      if ((input.type === 'LOCK_READ' || input.type === 'LOCK_CHANGED') && input.snapshot) {
        const { holderIdentity, renewTime } = input.snapshot.record;
        if (holderIdentity !== '' && holderIdentity !== identity && renewTime)
          this.#offset.set({ name }, (renewTime.getTime() - input.wall) / 1000);
      }
      if (from !== to) {
        if (to === 'leader') {
          this.#leader.set({ name }, 1);
          this.#transitions.inc({ name, transition: 'started' });
          if (campaignSince !== null) this.#acquire.observe({ name }, (input.at - campaignSince) / 1000);
          campaignSince = null;
        } else if (from === 'leader') {
          this.#leader.set({ name }, 0);
          this.#transitions.inc({ name, transition: 'stopped' });
        }
        if (to === 'follower') campaignSince = input.at;
        if (to === 'stopped') campaignSince = null;
      }
      const role = to === 'follower' ? 'follower' : 'leader';
      for (const effect of info.effects) {
        if (effect.type === 'readLock') {
          this.#requests.inc({ name, request: 'get', role });
          if (to === 'leader') this.#slowpath.inc({ name });
        } else if (effect.type === 'createLock') this.#requests.inc({ name, request: 'create', role });
        else if (effect.type === 'updateLock') {
          this.#requests.inc({ name, request: 'update', role });
          if (from === 'leader' && to === 'leader') renewalSentAt = input.at;
        }
      }
    });
    return () => {
      unsubscribe();
      for (const metric of [
        this.#leader,
        this.#slowpath,
        this.#acquire,
        this.#renewal,
        this.#watchLive,
        this.#offset,
      ])
        metric.remove({ name });
      for (const transition of ['started', 'stopped']) this.#transitions.remove({ name, transition });
      for (const kind of KINDS) this.#failures.remove({ name, kind });
      for (const request of ['get', 'create', 'update'])
        for (const role of ['leader', 'follower']) this.#requests.remove({ name, request, role });
    };
  }

  /** A lock answer: a renewal's latency, or a failure by kind. */
  #answer(name: string, input: Input, renewalSentAt: number | null): void {
    if (input.type === 'LOCK_FAILED') this.#failures.inc({ name, kind: input.error });
    else if (input.type === 'LOCK_WRITTEN' && renewalSentAt !== null)
      this.#renewal.observe({ name }, (input.at - renewalSentAt) / 1000);
  }
}
