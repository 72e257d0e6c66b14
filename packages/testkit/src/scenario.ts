/**
 * A simulation scenario: cluster size, timings, clocks and the fault schedule, all derived from one seed
 * (TigerBeetle style), so a printed seed replays a run exactly. Knobs carry their units in their names.
 */
import { defaultTakeoverSlot, maxStaggerMs } from '@leasehold/core/internal';
import type { ProcessClockSpec } from './process.ts';
import { Random } from './random.ts';

/** Election timings, in seconds as in ElectionConfig. */
export interface ScenarioTiming {
  /** `ElectionConfig.leaseDuration`. */
  readonly leaseDuration: number;
  /** `ElectionConfig.renewDeadline`. */
  readonly renewDeadline: number;
  /** `ElectionConfig.retryPeriod`. */
  readonly retryPeriod: number;
  /** `ElectionConfig.requestTimeout`. */
  readonly requestTimeout: number;
  /** `ElectionConfig.takeoverSlot`; absent: the config's default. */
  readonly takeoverSlot?: number;
}

/** How often and how badly things go wrong in a run. */
export interface FaultKnobs {
  /** Largest one-way delay of a lock request or answer (ms); each draws uniformly in [0, max]. */
  readonly latencyMaxMs: number;
  /** Largest delay of a watch notification (ms): small values make notifications beat write answers. */
  readonly watchLatencyMaxMs: number;
  /** Fraction of requests that fail `Unavailable` without reaching the store. */
  readonly errorRate: number;
  /** Fraction of requests that apply but whose answer is lost (the caller times out). */
  readonly timeoutRate: number;
  /** Fraction of updates that meet a phantom writer first (a version bump), so they conflict. */
  readonly conflictRate: number;
  /** Largest rate error of a candidate's clock: its rate is 1 ± up to this (dimensionless). */
  readonly driftMax: number;
  /** Largest wall-clock error of a machine (ms): harmless to a correct elector. */
  readonly wallSkewMaxMs: number;
  /**
   * Fraction of partitions the partitioned candidate's watch does not notice: it stays "live" while its
   * notifications are lost (a silently stalled stream). The others report the watch lost at the partition
   * and, at its end, reconnect with the current state. Silent losses cost liveness (one more lease), never
   * safety.
   */
  readonly silentWatchLossRate: number;
  /**
   * Fraction of requests refused at once during the fault phase (`Unavailable` within a millisecond, as a
   * refused connection or an immediate 503 answers): the failures whose speed once let a follower retry
   * hundreds of times a second.
   */
  readonly instantFailureRate: number;
}

/**
 * `refusals`: every request of one candidate is refused at once for the duration (a burst). `outage`: the
 * store is down for everyone at once (`candidate` is ignored): `refuse` answers every request at once with
 * an error (the API server killed: connection refused), `hang` answers nothing (paused: every request
 * times out). Watches notice both. `handover`: the candidate (usually `'leader'`) hands leadership to `to`
 * (`LeaderElection.handover`); `stepDown`: it steps aside for `durationMs` (`LeaderElection.stepDown`), then
 * campaigns again. Neither is drawn from a seed; they are scheduled by hand.
 */
export type FaultKind =
  | 'partition'
  | 'pause'
  | 'crash'
  | 'stop'
  | 'refusals'
  | 'outage'
  | 'handover'
  | 'stepDown';

/**
 * One scheduled fault: at true time `atMs`, for `durationMs` (down time for crash and stop), on a candidate
 * by index, or on whichever candidate leads at that moment (`'leader'`; nothing if none does).
 */
export interface FaultEvent {
  /** When it starts (true ms). */
  readonly atMs: number;
  /** What happens. */
  readonly kind: FaultKind;
  /** To whom: a candidate's index, or whoever leads then. */
  readonly candidate: number | 'leader';
  /** How long (true ms). */
  readonly durationMs: number;
  /** Partitions only: the candidate's watch misses the partition and stays "live" (see silentWatchLossRate). */
  readonly silentWatch?: boolean;
  /** Outages only: how the store fails. */
  readonly mode?: 'refuse' | 'hang';
  /** Handovers only: the index of the candidate handed to (default: the next one after the leader). */
  readonly to?: number;
}

/**
 * What candidates run: the real elector, or a deliberately broken one (to prove the checker fails).
 * `eager-retry` is the retry rule before rule 7: after a failure, retry at the observed lease's expiry, at
 * once if that has passed. `validity-from-answer` counts a leader's validity from each write's answer, not its
 * sending; `retrying-client` puts a client that retries each failed request at once (three times) under the
 * candidate's lock; `twin-unreported-on-read` stays silent about a twin found by a read (see broken.ts).
 */
export type Variant =
  | 'correct'
  | 'no-cas'
  | 'trust-remote-clock'
  | 'eager-retry'
  | 'validity-from-answer'
  | 'retrying-client'
  | 'twin-unreported-on-read';

/** One run, fully determined: `scenarioFromSeed` derives it from a seed. */
export interface Scenario {
  /** The seed it came from: print it to replay the run. */
  readonly seed: number;
  /** How many candidates. */
  readonly candidates: number;
  /** The election's durations. */
  readonly timing: ScenarioTiming;
  /** The fault rates and bounds. */
  readonly faults: FaultKnobs;
  /** Each candidate's clock: drift and wall-clock skew. */
  readonly clocks: readonly ProcessClockSpec[];
  /** The scheduled faults, in time order. */
  readonly schedule: readonly FaultEvent[];
  /** Faults happen in [0, faultPhaseMs); at faultPhaseMs everything heals and every candidate runs. */
  readonly faultPhaseMs: number;
  /** How long after healing some candidate must lead (ms, true time): the liveness bound. */
  readonly livenessBoundMs: number;
  /** Longest pause the safety bound allows for these timings and drift (ms, true time). */
  readonly pauseBoundMs: number;
  /** The elector the candidates run. */
  readonly variant: Variant;
  /** Whether candidates get the lock's watch (default); without it they poll, as a lock without watch does. */
  readonly watch: boolean;
  /** Candidates c0 and c1 are configured with the same identity (a misconfiguration, rule 8). */
  readonly twins: boolean;
}

/** What to fix instead of drawing it from the seed. */
export interface ScenarioOverrides {
  /** See `Scenario.candidates`. */
  readonly candidates?: number;
  /** Some or all durations. */
  readonly timing?: Partial<ScenarioTiming>;
  /** Some or all fault knobs. */
  readonly faults?: Partial<FaultKnobs>;
  /** See `Scenario.variant`. */
  readonly variant?: Variant;
  /** See `Scenario.watch`. */
  readonly watch?: boolean;
  /** Give c0 and c1 the same identity. */
  readonly twins?: boolean;
  /** Multiplies pause lengths: above 1 the schedule breaks the documented pause bound on purpose. */
  readonly pauseFactor?: number;
  /** Aim pauses at the current leader (where a pause can do harm) instead of a random candidate. */
  readonly pausesHitLeader?: boolean;
  /** Fault counts; default random small numbers. */
  readonly counts?: Partial<Record<FaultKind, number>>;
  /** Length of the fault phase, in leases. */
  readonly faultPhaseLeases?: number;
}

/**
 * The safety bound on pauses: a leader steps down at most renewDeadline (its clock) after its last renewal
 * was sent, and others wait leaseDuration (their clocks) after seeing that renewal. With clock rates within
 * 1 ± d, a pause P is safe while P stays below leaseDuration / (1 + d) - renewDeadline / (1 - d).
 */
export function pauseBoundMs(timing: ScenarioTiming, driftMax: number): number {
  return Math.max(0, (timing.leaseDuration / (1 + driftMax) - timing.renewDeadline / (1 - driftMax)) * 1000);
}

/** The longest takeover stagger (rule 9) of these timings, in seconds: `MAX_SPREAD` slots, one more at a release. */
export function maxTakeoverStagger(timing: ScenarioTiming): number {
  const slot = timing.takeoverSlot ?? defaultTakeoverSlot(timing.retryPeriod);
  return maxStaggerMs({ takeoverSlotMs: slot * 1000 }) / 1000;
}

/**
 * The liveness bound after healing: a follower needs one attempt to observe the last write, then waits the
 * holder's lease (whole seconds, as written) and tries at expiry; a request lost at the heal costs a request
 * timeout; each of the ~4 requests on the way costs two latencies. Scaled by the slowest clock.
 *
 * The attempt comes within a jittered retry period (up to 2.2 of them), or later in two cases, each at most
 * a lease (whole seconds): a follower backing off after failures in a row (rule 7: its wait is capped at
 * max(leaseDuration, 2.2 retryPeriod)), and one whose watch silently missed the last write, sleeping until
 * the expiry of an older version. A follower with a live watch then waits its takeover slot (rule 9): at
 * most `MAX_SPREAD` slots, one more at a release.
 */
export function livenessBoundMs(timing: ScenarioTiming, faults: FaultKnobs): number {
  const lease = Math.ceil(timing.leaseDuration);
  const toObserve = Math.max(2.2 * timing.retryPeriod, lease);
  const seconds = lease + toObserve + timing.requestTimeout + maxTakeoverStagger(timing);
  return (seconds * 1000 + 8 * faults.latencyMaxMs) / (1 - faults.driftMax) + 1;
}

/** The scenario a seed gives, with `overrides` fixed instead of drawn: the same seed always gives the same scenario. */
export function scenarioFromSeed(seed: number, overrides: ScenarioOverrides = {}): Scenario {
  const rng = new Random(seed);
  const candidates = overrides.candidates ?? rng.int(2, 9);
  const retryPeriod = overrides.timing?.retryPeriod ?? round(rng.float(0.2, 3));
  const renewDeadline = overrides.timing?.renewDeadline ?? round(retryPeriod * rng.float(1.3, 5));
  const leaseDuration = overrides.timing?.leaseDuration ?? round(renewDeadline * rng.float(1.15, 2.5));
  const requestTimeout =
    overrides.timing?.requestTimeout ??
    round(rng.float(Math.min(retryPeriod, renewDeadline / 2), renewDeadline / 2));
  // The takeover slot draws from its own stream, so the other draws of a seed stay as they were.
  const slotRng = new Random(seed ^ 0x51075);
  const takeoverSlot =
    overrides.timing?.takeoverSlot ??
    (slotRng.chance(0.2) ? 0 : round(slotRng.float(0.001, retryPeriod / 10), 4));
  const timing: ScenarioTiming = { leaseDuration, renewDeadline, retryPeriod, requestTimeout, takeoverSlot };

  // Drift stays inside the safety bound with room for pauses: (1 + d) / (1 - d) < leaseDuration / renewDeadline.
  const driftLimit = (leaseDuration - renewDeadline) / (leaseDuration + renewDeadline);
  const latencyMaxMs = round(rng.float(0, retryPeriod * 250));
  const faults: FaultKnobs = {
    latencyMaxMs,
    watchLatencyMaxMs: round(rng.float(0, 2 * latencyMaxMs)),
    errorRate: round(rng.float(0, 0.2)),
    timeoutRate: round(rng.float(0, 0.1)),
    conflictRate: round(rng.float(0, 0.1)),
    driftMax: round(rng.float(0, driftLimit * 0.5), 4),
    wallSkewMaxMs: round(rng.float(0, 120_000)),
    silentWatchLossRate: 0, // drawn below, from its own stream, so older seeds keep their other draws
    instantFailureRate: 0, // likewise
    ...overrides.faults,
  };
  const clocks: ProcessClockSpec[] = Array.from({ length: candidates }, () => ({
    rate: 1 + rng.float(-faults.driftMax, faults.driftMax),
    monotonicOffsetMs: round(rng.float(0, 1e9)),
    wallOffsetMs: round(rng.float(-faults.wallSkewMaxMs, faults.wallSkewMaxMs)),
  }));

  const faultPhaseMs = round((overrides.faultPhaseLeases ?? 8) * leaseDuration * 1000);
  const pauseBound = pauseBoundMs(timing, faults.driftMax);
  const pauseMax = pauseBound * 0.95 * (overrides.pauseFactor ?? 1);
  const schedule: FaultEvent[] = [];
  const add = (kind: FaultKind, count: number, maxMs: number) => {
    for (let i = 0; i < count; i += 1) {
      const durationMs = round(rng.float(maxMs * 0.1, maxMs));
      // Every fault ends before the heal, so the liveness phase starts from a healthy cluster.
      const atMs = round(rng.float(0, Math.max(0, faultPhaseMs - durationMs - 1)));
      const target = rng.int(0, candidates - 1);
      const candidate = kind === 'pause' && overrides.pausesHitLeader ? 'leader' : target;
      schedule.push({ atMs, kind, candidate, durationMs });
    }
  };
  const counts = overrides.counts ?? {};
  add('partition', counts.partition ?? rng.int(0, 3), leaseDuration * 2000);
  add('pause', counts.pause ?? rng.int(0, 3), pauseMax);
  add('crash', counts.crash ?? rng.int(0, 2), leaseDuration * 2000);
  add('stop', counts.stop ?? rng.int(0, 2), leaseDuration * 1000);
  schedule.sort((a, b) => a.atMs - b.atMs);

  const watchRng = new Random(seed ^ 0x7a7c4);
  const silentWatchLossRate =
    overrides.faults?.silentWatchLossRate ?? (watchRng.chance(0.5) ? 0 : round(watchRng.float(0, 1)));
  // Instant failures and outages draw from their own stream, so the other faults of a seed stay as they were.
  const outageRng = new Random(seed ^ 0x0ff11e);
  const instantFailureRate =
    overrides.faults?.instantFailureRate ?? (outageRng.chance(0.5) ? 0 : round(outageRng.float(0, 0.3)));
  const faultsWithWatch: FaultKnobs = { ...faults, silentWatchLossRate, instantFailureRate };
  const scheduleWithWatch = schedule.map((event) =>
    event.kind === 'partition' ? { ...event, silentWatch: watchRng.chance(silentWatchLossRate) } : event,
  );
  const more = (kind: 'refusals' | 'outage', count: number, maxMs: number) => {
    for (let i = 0; i < count; i += 1) {
      const durationMs = round(outageRng.float(maxMs * 0.1, maxMs));
      const atMs = round(outageRng.float(0, Math.max(0, faultPhaseMs - durationMs - 1)));
      const candidate = outageRng.int(0, candidates - 1);
      const mode = outageRng.chance(0.5) ? ('refuse' as const) : ('hang' as const);
      scheduleWithWatch.push({ atMs, kind, candidate, durationMs, ...(kind === 'outage' ? { mode } : {}) });
    }
  };
  // Outages up to two leases: longer than renewDeadline, so leaders step down, and the back-off grows.
  more('refusals', counts.refusals ?? outageRng.int(0, 2), leaseDuration * 2000);
  more('outage', counts.outage ?? outageRng.int(0, 2), leaseDuration * 2000);
  scheduleWithWatch.sort((a, b) => a.atMs - b.atMs);

  return {
    seed,
    candidates,
    timing,
    faults: faultsWithWatch,
    clocks,
    schedule: scheduleWithWatch,
    faultPhaseMs,
    livenessBoundMs: livenessBoundMs(timing, faultsWithWatch),
    pauseBoundMs: pauseBound,
    variant: overrides.variant ?? 'correct',
    watch: overrides.watch ?? true,
    twins: overrides.twins ?? false,
  };
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
