/**
 * The clock-rate margin, measured: clusters whose candidates' clocks run slow and fast by a rate error `r`
 * (alternately 1 - r and 1 + r, so a slow leader meets fast followers), at a given lease/renew-deadline
 * ratio, with the leader cut off again and again so that its lease must run out before anyone else leads.
 * docs/guarantees.md's bound: safe while (1 + r) / (1 - r) < leaseDuration / renewDeadline. The sweep shows
 * where violations actually begin (packages/testkit/scripts/clock-rate-table.ts writes the table).
 */
import { checkRun, type Violation } from './checker.ts';
import { simulate } from './cluster.ts';
import { type FaultEvent, type Scenario, scenarioFromSeed } from './scenario.ts';

/** The renew deadline of every sweep point (s); the lease is `ratio` times it. */
const RENEW_DEADLINE = 2;

/** The largest rate error the documented bound allows at `ratio` = leaseDuration / renewDeadline. */
export function clockRateBound(ratio: number): number {
  return (ratio - 1) / (ratio + 1);
}

/**
 * One cluster of the sweep: 4 candidates with clock rates 1 - r, 1 + r, 1 - r, 1 + r; no random faults; the
 * leader partitioned from the store for 1.5 leases, three times; the checker told the drift is `rate`.
 */
export function clockRateScenario(seed: number, ratio: number, rate: number): Scenario {
  const lease = Math.round(ratio * RENEW_DEADLINE * 1000) / 1000;
  const base = scenarioFromSeed(seed, {
    candidates: 4,
    timing: { leaseDuration: lease, renewDeadline: RENEW_DEADLINE, retryPeriod: 0.5, requestTimeout: 1 },
    faults: {
      latencyMaxMs: 20,
      watchLatencyMaxMs: 20,
      errorRate: 0,
      timeoutRate: 0,
      conflictRate: 0,
      driftMax: rate,
      silentWatchLossRate: 0,
      instantFailureRate: 0,
    },
    counts: { partition: 0, pause: 0, crash: 0, stop: 0, refusals: 0, outage: 0 },
    faultPhaseLeases: 12,
  });
  const schedule: FaultEvent[] = [2, 5, 8].map((k) => ({
    atMs: k * lease * 1000,
    kind: 'partition',
    candidate: 'leader',
    durationMs: 1.5 * lease * 1000,
  }));
  const clocks = base.clocks.map((clock, i) => ({ ...clock, rate: i % 2 === 0 ? 1 - rate : 1 + rate }));
  return { ...base, clocks, schedule };
}

/** One point of the sweep: how many of its clusters broke an invariant, and the first violation seen. */
export interface ClockRatePoint {
  /** leaseDuration / renewDeadline. */
  readonly ratio: number;
  /** The rate error r. */
  readonly rate: number;
  /** Whether r is inside the documented bound. */
  readonly insideBound: boolean;
  /** Clusters run. */
  readonly runs: number;
  /** Clusters with at least one violation. */
  readonly violating: number;
  /** The invariants broken, over all clusters. */
  readonly invariants: readonly Violation['invariant'][];
  /** The first violating seed, to replay. */
  readonly firstSeed?: number;
}

/** Runs the sweep point (`ratio`, `rate`) over `seeds`. */
export async function clockRatePoint(
  ratio: number,
  rate: number,
  seeds: readonly number[],
): Promise<ClockRatePoint> {
  let violating = 0;
  let firstSeed: number | undefined;
  const invariants = new Set<Violation['invariant']>();
  for (const seed of seeds) {
    const violations = checkRun(await simulate(clockRateScenario(seed, ratio, rate)));
    if (violations.length === 0) continue;
    violating += 1;
    firstSeed ??= seed;
    for (const v of violations) invariants.add(v.invariant);
  }
  return {
    ratio,
    rate,
    insideBound: rate < clockRateBound(ratio),
    runs: seeds.length,
    violating,
    invariants: [...invariants].sort(),
    ...(firstSeed === undefined ? {} : { firstSeed }),
  };
}
