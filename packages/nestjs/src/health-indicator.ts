/**
 * A health indicator for `@nestjs/terminus`: `isHealthy` is liveness (`checkLiveness`: a follower is healthy,
 * a leader stuck past its lease plus a tolerance is not), `isLeading` is readiness (`checkReadiness`). The
 * results have terminus's shape (`{ [key]: { status: 'up' | 'down', ... } }`), which its `HealthCheckService`
 * reads, so this package does not import terminus: it stays an optional peer.
 */
import { checkLiveness, checkReadiness, DEFAULT_LIVENESS_TOLERANCE_SECONDS } from '@leasehold/core';
import type { LeadershipService } from './leadership.service.ts';

/** One indicator's result, as terminus's `HealthIndicatorResult`. */
export type LeaseholdHealthResult<Key extends string> = Record<
  Key,
  {
    readonly status: 'up' | 'down';
    /** The election's state: `follower`, `leader`, ... (`stopped` before bootstrap and after close). */
    readonly state: string;
    /** The holder last seen, or `null`. */
    readonly leader: string | null;
    /** Why, as the probe functions say it. */
    readonly reason: string;
  }
>;

/**
 * Liveness (`isHealthy`) and readiness (`isLeading`) of this replica's election, in terminus's result shape:
 * inject it into a controller and hand its methods to terminus's `HealthCheckService.check`.
 */
export class LeaseholdHealthIndicator {
  readonly #leadership: LeadershipService;
  readonly #toleranceSeconds: number;

  /** Made by `LeaseholdModule`; inject it into your health controller. */
  constructor(leadership: LeadershipService, toleranceSeconds = DEFAULT_LIVENESS_TOLERANCE_SECONDS) {
    this.#leadership = leadership;
    this.#toleranceSeconds = toleranceSeconds;
  }

  /** Liveness, for `/healthz`: down only for a leader whose renewals stopped (its elector is stuck). */
  isHealthy<const Key extends string = 'leader-election'>(key?: Key): LeaseholdHealthResult<Key> {
    const election = this.#started();
    const { ok, reason } = election
      ? checkLiveness(election, this.#toleranceSeconds)
      : { ok: true, reason: 'the election starts when the application bootstraps' };
    return this.#result(key, ok, reason);
  }

  /** Readiness, for a `/readyz` that should route to the leader only: up while this replica leads. */
  isLeading<const Key extends string = 'leader-election'>(key?: Key): LeaseholdHealthResult<Key> {
    const election = this.#started();
    const { ok, reason } = election
      ? checkReadiness(election)
      : { ok: false, reason: 'the election starts when the application bootstraps' };
    return this.#result(key, ok, reason);
  }

  #started() {
    try {
      return this.#leadership.election;
    } catch {
      return null; // not bootstrapped yet
    }
  }

  #result<Key extends string>(key: Key | undefined, ok: boolean, reason: string): LeaseholdHealthResult<Key> {
    const name = key ?? 'leader-election';
    const value = {
      status: ok ? 'up' : 'down',
      state: this.#started()?.state ?? 'stopped',
      leader: this.#leadership.leader,
      reason,
    } as const;
    return { [name]: value } as LeaseholdHealthResult<Key>;
  }
}
