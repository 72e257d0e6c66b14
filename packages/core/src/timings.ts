/**
 * Timings from goals (docs/guide.md, "Choosing timings"): the three durations a user may omit (client-go's
 * defaults), a few named presets, what a set of durations guarantees (docs/guarantees.md's bounds as
 * numbers), and the durations derived from what a user knows: how long an API-server outage to ride out, how
 * fast a crash failover must be, how much clock-rate error to tolerate.
 *
 * Pure arithmetic: nothing here touches a clock or a lock.
 */
import { DEFAULT_TIMINGS, defaultTakeoverSlot, JITTER_FACTOR } from './config.ts';
import { ConfigError } from './errors.ts';
import { MAX_SPREAD } from './machine/herd.ts';
import { MAX_LEASE_SECONDS } from './record.ts';

/** The durations of an election (seconds), as `ElectionConfigOptions` takes them: spread them into it. */
export interface Timings {
  /** `ElectionConfigOptions.leaseDuration`. */
  readonly leaseDuration: number;
  /** `ElectionConfigOptions.renewDeadline`. */
  readonly renewDeadline: number;
  /** `ElectionConfigOptions.retryPeriod`. */
  readonly retryPeriod: number;
  /** `ElectionConfigOptions.requestTimeout`; when absent, the election's default (renewDeadline / 2). */
  readonly requestTimeout?: number;
}

/**
 * Named timings, each for a reason (docs/guide.md, "Choosing timings"):
 * - `default`: client-go's 15/10/2 s, what an `ElectionConfig` without durations gets.
 * - `outageTolerant`: OpenShift's 137/107/26 s (library-go's leader-election defaulting), chosen there to
 *   ride out a minute of API-server disruption without restarts (78 s by its count), at the price of a
 *   slower failover.
 */
export const timingPresets = {
  default: { ...DEFAULT_TIMINGS },
  outageTolerant: { leaseDuration: 137, renewDeadline: 107, retryPeriod: 26 },
} as const satisfies Record<string, Timings>;

/** The names of `timingPresets`. */
export type TimingPresetName = keyof typeof timingPresets;

/** What `timingGuarantees` reports, in seconds unless named otherwise; each bound excludes request latencies. */
export interface TimingGuarantees {
  /** The clock-rate error these are computed for (`d` of docs/guarantees.md A2), a fraction. */
  readonly clockRate: number;
  /**
   * The longest API-server outage, starting at any instant, that a leader rides out while the server refuses
   * requests (killed, restarting, answering 5xx): its renewals keep one per retry period until the deadline.
   */
  readonly downtimeRefused: number;
  /** The same while the server accepts requests and never answers: each attempt also costs requestTimeout. */
  readonly downtimeHung: number;
  /** Renewal attempts a leader makes after its last success before its deadline (the first included). */
  readonly renewalAttempts: number;
  /**
   * The worst crash failover: from the dead leader's last renewal to a follower's takeover, for a follower
   * that polls (it sees the last renewal up to a jittered retry period late, then waits the lease as
   * written, whole seconds), on the slowest clock.
   */
  readonly crashFailover: number;
  /** The same for a follower whose watch is live: the lease, then at most `MAX_SPREAD` takeover slots. */
  readonly crashFailoverWatching: number;
  /** The largest clock-rate error A2 allows: `(1 + d) / (1 - d) < L / D` holds for every d below this. */
  readonly clockRateLimit: number;
  /** A3's bound on pauses at `clockRate`: L / (1 + d) - D / (1 - d); 0 or less means none is safe. */
  readonly pauseBound: number;
  /** docs/guarantees.md's liveness bound after healing: ceil(L) + max(2.2 R, ceil(L)) + requestTimeout + 11 S, on the slowest clock. */
  readonly livenessAfterHealing: number;
  /** A leader's renewals per minute while all is well (the API server's load from one election). */
  readonly renewalsPerMinute: number;
}

/** A duration in whole milliseconds, so the attempt arithmetic below is exact. */
const ms = (seconds: number) => Math.round(seconds * 1000);

/**
 * The renewal attempts after a leader's last success (sent and answered at 0) that are sent before its
 * deadline D: the first one retry period later, each failed one followed by `timeoutMs` (a request with no
 * answer) and one more retry period (rule 7). The longest outage ridden out starts just before the first of
 * them and ends just before the last: every later start leaves more attempts after it.
 */
function attempts(timings: Timings, timeoutMs: number): { count: number; spanMs: number } {
  const retry = ms(timings.retryPeriod);
  const deadline = ms(timings.renewDeadline);
  let count = 0;
  let at = retry;
  while (at < deadline) {
    count += 1;
    at += timeoutMs + retry;
  }
  return { count, spanMs: Math.max(0, count - 1) * (timeoutMs + retry) };
}

/**
 * What `timings` guarantee with clock rates within `1 ± clockRate` (docs/guarantees.md, A1 to A3 and the
 * liveness bound), in seconds. Request latencies come on top of every bound.
 */
export function timingGuarantees(timings: Timings, clockRate = 0): TimingGuarantees {
  const { leaseDuration: L, renewDeadline: D, retryPeriod: R } = timings;
  const timeout = timings.requestTimeout ?? D / 2;
  const lease = Math.ceil(L); // what the record stores, and so what followers wait
  const slow = 1 - clockRate;
  const slot = defaultTakeoverSlot(R);
  const refused = attempts(timings, 0);
  const hung = attempts(timings, ms(timeout));
  return {
    clockRate,
    downtimeRefused: refused.spanMs / 1000,
    downtimeHung: hung.spanMs / 1000,
    renewalAttempts: refused.count,
    crashFailover: (lease + (1 + JITTER_FACTOR) * R) / slow,
    crashFailoverWatching: (lease + MAX_SPREAD * slot) / slow,
    clockRateLimit: (L - D) / (L + D),
    pauseBound: L / (1 + clockRate) - D / slow,
    livenessAfterHealing:
      (lease + Math.max((1 + JITTER_FACTOR) * R, lease) + timeout + (MAX_SPREAD + 1) * slot) / slow,
    renewalsPerMinute: 60 / R,
  };
}

/** What `deriveTimings` is asked for. */
export interface TimingGoals {
  /** Seconds of API-server downtime a leader must ride out without losing leadership (refused or hung). */
  readonly downtime: number;
  /** Seconds a crash failover may take at worst (`TimingGuarantees.crashFailover`). */
  readonly failover: number;
  /** The clock-rate error to tolerate between candidates, a fraction (0.01 = 1%); default 0. */
  readonly clockRate?: number;
  /** Seconds of stop-the-world pause to tolerate on top (A3); default `DEFAULT_PAUSE_GOAL`. */
  readonly pause?: number;
  /**
   * Renewal attempts before the deadline (`MIN_RENEWAL_ATTEMPTS` to `MAX_RENEWAL_ATTEMPTS`); default: the
   * fewest that meet the failover goal. More attempts mean a shorter retry period: more requests, a shorter deadline and lease.
   */
  readonly renewals?: number;
}

/** The pause (seconds) `deriveTimings` tolerates unless told: a long garbage collection, a throttled container. */
export const DEFAULT_PAUSE_GOAL = 1;

/**
 * The fewest renewal attempts `deriveTimings` considers. With two, a hung attempt and its retry would have
 * to fit in an eighth of a retry period (a request timeout too short for a loaded API server); with three,
 * the request timeout is one retry period.
 */
export const MIN_RENEWAL_ATTEMPTS = 3;

/** The most renewal attempts `deriveTimings` considers: a retry period of downtime / 29 at the shortest. */
export const MAX_RENEWAL_ATTEMPTS = 30;

function goal(value: unknown, name: string, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value >= max)
    throw new ConfigError(
      `goal: ${name}`,
      `${name} must be a number from ${min}${Number.isFinite(max) ? ` up to (not including) ${max}` : ''}, got ${String(value)}`,
    );
  return value;
}

const round3 = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * The request timeout for `renewals` attempts of `retryMs` before `deadlineMs`: while requests hang, each
 * attempt costs the timeout and a retry period, so fewer attempts fit. With `hung` of them spanning the
 * downtime, (hung - 1) (R + t) >= downtime, the last is sent no later than the refused case's last (k R),
 * before the deadline. The longest such timeout that is no longer than the default (renewDeadline / 2):
 * a timeout long enough for a slow API server's answer, short enough to keep the attempts.
 */
function requestTimeoutMs(downtime: number, renewals: number, retryMs: number, deadlineMs: number): number {
  for (let hung = 2; hung < renewals; hung++) {
    const timeout = Math.ceil((downtime * 1000) / (hung - 1)) - retryMs;
    const lastSent = hung * retryMs + (hung - 1) * timeout;
    if (timeout > 0 && timeout <= deadlineMs / 2 && lastSent < deadlineMs) return timeout;
  }
  return (renewals - 2) * retryMs; // two attempts: the second sent where the refused case's last is
}

/**
 * The timings for `renewals` attempts: the retry period splits the downtime among them, the deadline leaves
 * the last attempt an eighth of a retry period to be answered, the request timeout keeps the downtime
 * ridden out when requests hang (`requestTimeoutMs`), and the lease is the shortest whole number of seconds
 * meeting A2 and A3.
 */
function candidate(downtime: number, renewals: number, clockRate: number, pause: number): Timings {
  // In whole milliseconds, so that rounding never moves the last attempt onto the deadline.
  const retryMs = Math.ceil((downtime * 1000) / (renewals - 1));
  const deadlineMs = renewals * retryMs + Math.max(1, Math.round(retryMs / 8));
  const renewDeadline = deadlineMs / 1000;
  const requestTimeout = requestTimeoutMs(downtime, renewals, retryMs, deadlineMs) / 1000;
  // L / (1 + d) - D / (1 - d) > pause, with L in whole seconds as the record stores it.
  const leaseDuration = Math.floor((1 + clockRate) * (pause + renewDeadline / (1 - clockRate))) + 1;
  return { leaseDuration, renewDeadline, retryPeriod: retryMs / 1000, requestTimeout };
}

function meets(t: Timings, g: TimingGuarantees, goals: Required<Omit<TimingGoals, 'renewals'>>): boolean {
  return (
    g.downtimeRefused >= goals.downtime &&
    g.downtimeHung >= goals.downtime &&
    g.crashFailover <= goals.failover &&
    g.clockRateLimit > goals.clockRate &&
    g.pauseBound > goals.pause &&
    t.leaseDuration <= MAX_LEASE_SECONDS
  );
}

/**
 * Derives timings from goals: the fewest renewal attempts (the longest retry period, so the fewest requests)
 * whose timings meet the failover goal, with the shortest lease the clock-rate and pause goals allow. Every
 * result passes `ElectionConfig`'s checks and meets each goal by `timingGuarantees`. Throws `ConfigError`
 * whose `rule` names the goal to relax (`goal: failover`, `goal: downtime`, ...) when no timings meet them all.
 */
export function deriveTimings(goals: TimingGoals): Required<Timings> {
  const downtime = goal(goals?.downtime, 'downtime', 0.01);
  const failover = goal(goals.failover, 'failover', 0.01);
  const clockRate = goal(goals.clockRate ?? 0, 'clockRate', 0, 1);
  const pause = goal(goals.pause ?? DEFAULT_PAUSE_GOAL, 'pause', 0);
  if (
    goals.renewals !== undefined &&
    !(
      Number.isInteger(goals.renewals) &&
      goals.renewals >= MIN_RENEWAL_ATTEMPTS &&
      goals.renewals <= MAX_RENEWAL_ATTEMPTS
    )
  )
    throw new ConfigError(
      'goal: renewals',
      `renewals must be an integer from ${MIN_RENEWAL_ATTEMPTS} to ${MAX_RENEWAL_ATTEMPTS}, got ${String(goals.renewals)}`,
    );
  const wanted = { downtime, failover, clockRate, pause };
  const counts =
    goals.renewals === undefined
      ? Array.from(
          { length: MAX_RENEWAL_ATTEMPTS - MIN_RENEWAL_ATTEMPTS + 1 },
          (_, i) => i + MIN_RENEWAL_ATTEMPTS,
        )
      : [goals.renewals];
  let fastest: { timings: Timings; failover: number } | undefined;
  let overADay = false;
  for (const renewals of counts) {
    const timings = candidate(downtime, renewals, clockRate, pause);
    if (timings.leaseDuration > MAX_LEASE_SECONDS) {
      overADay = true;
      continue;
    }
    const g = timingGuarantees(timings, clockRate);
    if (meets(timings, g, wanted)) return timings as Required<Timings>;
    // Only the failover goal can be missed here, unless rounding to milliseconds cost some downtime.
    if (!meets(timings, g, { ...wanted, failover: Number.POSITIVE_INFINITY })) continue;
    if (fastest === undefined || g.crashFailover < fastest.failover)
      fastest = { timings, failover: g.crashFailover };
  }
  if (fastest === undefined)
    throw new ConfigError(
      'goal: downtime',
      overADay
        ? `riding out ${downtime}s of downtime with clock rates within ${clockRate} needs a lease over a day (${MAX_LEASE_SECONDS}s), which other candidates refuse: relax downtime, clockRate or pause`
        : `${downtime}s of downtime is too short to split among renewal attempts in whole milliseconds: relax downtime`,
    );
  const { timings } = fastest;
  throw new ConfigError(
    'goal: failover',
    `a crash failover within ${failover}s is out of reach: riding out ${downtime}s of downtime with clock rates within ${clockRate}${pause ? ` and pauses of ${pause}s` : ''} needs at least ${round3(fastest.failover)}s (lease ${timings.leaseDuration}s, retry period ${timings.retryPeriod}s): relax failover to ${Math.ceil(fastest.failover)}s or more, or relax downtime${goals.renewals === undefined ? '' : ', or allow more renewals'}`,
  );
}
