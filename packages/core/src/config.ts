/**
 * Election configuration, validated once at construction (docs/guide.md rule 2). Durations are seconds, as in the
 * Lease API; fractions are allowed (tests and demos run sub-second elections). The record stores the lease
 * duration rounded up to whole seconds, so others never wait less than this candidate assumes.
 */
import { ConfigError } from './errors.ts';
import type { Leadership } from './leadership.ts';
import { asLogger, LOG_LEVELS, type Logger, type LoggerLike, type LogLevel, logError } from './logging.ts';
import type { StoppedReason } from './machine/types.ts';
import type { Clock, Lock } from './ports.ts';
import { quote } from './quote.ts';
import { MAX_IDENTITY_LENGTH, MAX_LEASE_SECONDS } from './record.ts';
import { reportToConsole } from './system.ts';

/** client-go's `JitterFactor`: a follower waits retryPeriod * (1 + random * 1.2) between attempts. */
export const JITTER_FACTOR = 1.2;

/** `ElectionConfig.takeoverSlot` by default (seconds), or retryPeriod / 10 when that is shorter. */
export const DEFAULT_TAKEOVER_SLOT = 0.025;

/**
 * The durations an election gets when its options omit them: client-go's defaults (docs/guide.md,
 * "Choosing timings"; `timingPresets` and `deriveTimings` in timings.ts for others).
 */
export const DEFAULT_TIMINGS = { leaseDuration: 15, renewDeadline: 10, retryPeriod: 2 } as const;

/** The takeover slot (seconds) an election with this retry period gets when its config gives none. */
export function defaultTakeoverSlot(retryPeriod: number): number {
  return Math.min(DEFAULT_TAKEOVER_SLOT, retryPeriod / 10);
}

/** A value, or a promise of one: callbacks may be synchronous or async. */
export type MaybePromise<T> = T | Promise<T>;

/** What `new ElectionConfig(...)` takes: the lock, the callbacks, and the three durations (seconds; default 15/10/2). */
export interface ElectionConfigOptions {
  /** Where the record lives: `LeaseLock`, `ConfigMapLock`, a `MemoryLockStore` lock, or your own `Lock`. */
  lock: Lock;
  /** Seconds others wait after last seeing the record change before taking over. Default 15. */
  leaseDuration?: number;
  /** Seconds the leader keeps leading without a successful renewal, counted from the last renewal sent. Default 10. */
  renewDeadline?: number;
  /** Seconds between attempts (followers, with jitter) and between renewals (leader). Default 2. */
  retryPeriod?: number;
  /**
   * Called when this candidate becomes leader. `signal` aborts when leadership ends, for any reason. Return a
   * promise for long-running leader work: `stop()` waits for it (still renewing) before releasing the lock.
   * `leadership` carries the term (a fencing token) and `check()`, a guard to call right before a side
   * effect (see `Leadership`).
   */
  onStartedLeading: (signal: AbortSignal, leadership: Leadership) => MaybePromise<void>;
  /**
   * Called once after leadership ends, after the leader's signal aborted, with why: `lost` (the lease could
   * not be kept, or another took the lock), `stopped` (`stop()`: the election ends), `handedOver`
   * (`handover()`) or `steppedDown` (`stepDown()`).
   */
  onStoppedLeading: (reason: StoppedReason) => MaybePromise<void>;
  /** Called when a different holder is observed, including this candidate itself. */
  onNewLeader?: (identity: string) => void;
  /**
   * Called for every failure the elector survives: lock errors, throwing callbacks (after the error policy:
   * docs/guide.md "Errors"). Default: written to `logger` at its level (`errorLevel`), or, with no logger,
   * to console.error.
   */
  onError?: (error: unknown, context: string) => void;
  /**
   * Where the election writes its log: changes of state at info, reported errors at warn or error, requests
   * at debug. A console-style or pino-style logger (see `asLogger`); none by default (errors then go to
   * console.error and nothing else is written).
   */
  logger?: LoggerLike;
  /** The lowest level written to `logger`; default `info`. */
  logLevel?: LogLevel;
  /** A name for logs and metrics; default: the lock's `describe()`. */
  name?: string;
  /** On `stop()`, a leader writes an empty holder so others take over at once. Default true. */
  releaseOnCancel?: boolean;
  /** Seconds one lock request may take before it counts as Unavailable. Default renewDeadline / 2. */
  requestTimeout?: number;
  /**
   * Seconds of one slot of the takeover stagger (docs/guide.md rule 9): when a lease runs out or is released,
   * followers watching the lock write in slots they compute alone instead of all at once, so a takeover
   * costs a few requests however many followers wait. About the time a write takes to reach the others
   * through their watch. At most `MAX_SPREAD` slots (ten), one more at a release; 0 turns the stagger off.
   * Default 0.025, at most retryPeriod / 10.
   */
  takeoverSlot?: number;
  /**
   * Coordinated leader election (Kubernetes' `CoordinatedLeaderElection`): the API server picks the holder
   * among the LeaseCandidate objects (publish one with `LeaseCandidate` from `@leasehold/lease`) and writes it
   * into the Lease; this candidate takes the lock only when it is named, and, while leading, yields at once
   * to the `preferredHolder` the API server sets (its work stops, then a handover to it), where client-go
   * waits for its lease to run out. Default false.
   */
  coordinated?: boolean;
  /** Timing source. Default: the system's monotonic clock and timers. */
  clock?: Clock;
  /** Seed for the jitter sequence; default random. The simulator sets it to replay runs exactly. */
  seed?: number;
}

function requireFinitePositive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(
      `${field} > 0`,
      `${field} must be a finite number of seconds, got ${described(value)}`,
    );
  }
  if (value <= 0) throw new ConfigError(`${field} > 0`, `${field} must be greater than zero, got ${value}`);
  return value;
}

/**
 * A value a message says it got: a number as written; anything else quoted with its type (`"15" (a
 * string)`: an environment variable passed as is prints like a number when bare), an object or array by
 * its type only (`quote`).
 */
function described(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null || value === undefined || typeof value === 'object') return quote(value);
  return `${quote(value)} (a ${typeof value})`;
}

/** A duration as a message gives it: `10 s`, and `10 s, the default` when the option was omitted. */
function seconds(value: number, given: unknown): string {
  return given === undefined ? `${value} s, the default` : `${value} s`;
}

/**
 * Durations that are legal but most likely milliseconds given as seconds (`leaseDuration: 15000`, a
 * four-hour lease; `retryPeriod: 0.002`, a request every 2 ms): warned of once, at construction, through
 * the election's logger. Not errors: an hour-long lease and a fast test election are both legitimate.
 */
const LIKELY_MILLISECONDS = {
  /** A lease over an hour: client-go's is 15 s, and a crash then leaves the election leaderless that long. */
  leaseDuration: { over: 3_600, what: 'over an hour' },
  /** A retry period under 0.1 s: each follower then reads more than ten times a second when polling. */
  retryPeriod: { under: 0.1, what: 'under 0.1 s' },
} as const;

/** Warns once per duration that looks like milliseconds (`LIKELY_MILLISECONDS`); nothing without a logger. */
function warnLikelyMilliseconds(
  logger: Logger | undefined,
  election: () => string,
  leaseDuration: number,
  retryPeriod: number,
): void {
  if (logger === undefined) return;
  const { leaseDuration: lease, retryPeriod: retry } = LIKELY_MILLISECONDS;
  const suspects: [string, number, string][] = [];
  if (leaseDuration > lease.over) suspects.push(['leaseDuration', leaseDuration, lease.what]);
  if (retryPeriod < retry.under) suspects.push(['retryPeriod', retryPeriod, retry.what]);
  for (const [option, value, what] of suspects) {
    try {
      logger.warn(`${option} is ${value} s (${what}): seconds, not milliseconds?`, {
        election: election(),
        option,
        value,
        unit: 'seconds',
      });
    } catch {
      // A hint about a legal configuration: a logger (or a lock's describe()) that throws must not make
      // the configuration throw.
    }
  }
}

/** C0 and C1 control characters: they rewrite a terminal or a log line when printed. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * An identity (or name) others will read: a string of 1 to `MAX_IDENTITY_LENGTH` characters, not only
 * whitespace (an unset environment variable padded by a template), without control characters.
 */
function requireName(value: unknown, rule: string, what: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ConfigError(
      `${rule} non-empty`,
      `${what} must be a non-empty string (not only whitespace), got ${quote(value)}`,
    );
  }
  if (value.length > MAX_IDENTITY_LENGTH) {
    throw new ConfigError(
      `${rule} at most ${MAX_IDENTITY_LENGTH} characters`,
      `${what} is ${value.length} characters long; others refuse records naming it`,
    );
  }
  if (CONTROL.test(value)) {
    throw new ConfigError(
      `${rule} without control characters`,
      `${what} contains a control character: ${quote(value)}`,
    );
  }
}

function requireFunction(value: unknown, field: string): void {
  if (typeof value !== 'function')
    throw new ConfigError(`${field} is a function`, `${field} must be a function`);
}

/**
 * A checked election configuration (kubernetes_asyncio's `ElectionConfig`): the constructor throws
 * `ConfigError`, naming the rule, for durations that cannot give the guarantees (docs/guide.md rule 2) and
 * fills in the defaults. The fields are the options as used; see `ElectionConfigOptions` for each.
 */
export class ElectionConfig {
  /** {@inheritDoc ElectionConfigOptions.lock} */
  readonly lock: Lock;
  /** {@inheritDoc ElectionConfigOptions.leaseDuration} */
  readonly leaseDuration: number;
  /** {@inheritDoc ElectionConfigOptions.renewDeadline} */
  readonly renewDeadline: number;
  /** {@inheritDoc ElectionConfigOptions.retryPeriod} */
  readonly retryPeriod: number;
  /** {@inheritDoc ElectionConfigOptions.requestTimeout} */
  readonly requestTimeout: number;
  /** {@inheritDoc ElectionConfigOptions.takeoverSlot} */
  readonly takeoverSlot: number;
  /** {@inheritDoc ElectionConfigOptions.coordinated} */
  readonly coordinated: boolean;
  /** {@inheritDoc ElectionConfigOptions.releaseOnCancel} */
  readonly releaseOnCancel: boolean;
  /** {@inheritDoc ElectionConfigOptions.onStartedLeading} */
  readonly onStartedLeading: (signal: AbortSignal, leadership: Leadership) => MaybePromise<void>;
  /** {@inheritDoc ElectionConfigOptions.onStoppedLeading} */
  readonly onStoppedLeading: (reason: StoppedReason) => MaybePromise<void>;
  /** {@inheritDoc ElectionConfigOptions.onNewLeader} */
  readonly onNewLeader: ((identity: string) => void) | undefined;
  /** {@inheritDoc ElectionConfigOptions.onError} */
  readonly onError: (error: unknown, context: string) => void;
  /** `logger` wrapped with `logLevel`, or `undefined`. */
  readonly logger: Logger | undefined;
  /** {@inheritDoc ElectionConfigOptions.clock} */
  readonly clock: Clock | undefined;
  /** {@inheritDoc ElectionConfigOptions.seed} */
  readonly seed: number | undefined;
  readonly #name: string | undefined;

  constructor(options: ElectionConfigOptions) {
    if (!options || typeof options !== 'object')
      throw new ConfigError('options', 'options object is required');
    const { lock } = options;
    if (!lock || typeof lock.get !== 'function' || typeof lock.update !== 'function') {
      throw new ConfigError('lock is a Lock', 'lock must implement get, create, update and describe');
    }
    requireName(lock.identity, 'identity', 'the lock identity');
    // An omitted duration takes client-go's default, each on its own; rule 2 below still judges all three.
    const leaseDuration = requireFinitePositive(
      options.leaseDuration ?? DEFAULT_TIMINGS.leaseDuration,
      'leaseDuration',
    );
    const renewDeadline = requireFinitePositive(
      options.renewDeadline ?? DEFAULT_TIMINGS.renewDeadline,
      'renewDeadline',
    );
    const retryPeriod = requireFinitePositive(
      options.retryPeriod ?? DEFAULT_TIMINGS.retryPeriod,
      'retryPeriod',
    );
    if (leaseDuration > MAX_LEASE_SECONDS) {
      throw new ConfigError(
        `leaseDuration <= ${MAX_LEASE_SECONDS}`,
        `leaseDuration (${leaseDuration} s) is longer than a day; other candidates refuse such a record`,
      );
    }
    // Each side says whether it is a default: `leaseDuration: 8` alone is refused for a deadline it never set.
    const lease = seconds(leaseDuration, options.leaseDuration);
    const deadline = seconds(renewDeadline, options.renewDeadline);
    const retry = seconds(retryPeriod, options.retryPeriod);
    if (!(leaseDuration > renewDeadline)) {
      throw new ConfigError(
        'leaseDuration > renewDeadline',
        `leaseDuration (${lease}) must be greater than renewDeadline (${deadline})`,
      );
    }
    if (!(renewDeadline > JITTER_FACTOR * retryPeriod)) {
      throw new ConfigError(
        'renewDeadline > 1.2 * retryPeriod',
        `renewDeadline (${deadline}) must be greater than ${JITTER_FACTOR} * retryPeriod (${retry})`,
      );
    }
    const requestTimeout =
      options.requestTimeout === undefined
        ? renewDeadline / 2
        : requireFinitePositive(options.requestTimeout, 'requestTimeout');
    requireFunction(options.onStartedLeading, 'onStartedLeading');
    requireFunction(options.onStoppedLeading, 'onStoppedLeading');
    if (options.onNewLeader !== undefined) requireFunction(options.onNewLeader, 'onNewLeader');
    if (options.onError !== undefined) requireFunction(options.onError, 'onError');
    if (options.logger !== undefined)
      for (const level of ['info', 'warn', 'error'] as const)
        requireFunction(options.logger?.[level], `logger.${level}`);
    if (options.logLevel !== undefined && !LOG_LEVELS.includes(options.logLevel))
      throw new ConfigError(
        'logLevel',
        `logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${String(options.logLevel)}`,
      );
    const takeoverSlot = options.takeoverSlot ?? defaultTakeoverSlot(retryPeriod);
    if (
      typeof takeoverSlot !== 'number' ||
      !Number.isFinite(takeoverSlot) ||
      takeoverSlot < 0 ||
      takeoverSlot > retryPeriod / 10
    ) {
      throw new ConfigError(
        '0 <= takeoverSlot <= retryPeriod / 10',
        `takeoverSlot must be a number of seconds from 0 to retryPeriod / 10 (${retryPeriod / 10} s), got ${described(takeoverSlot)}`,
      );
    }
    if (options.name !== undefined) requireName(options.name, 'name', 'name');
    if (options.seed !== undefined && !Number.isInteger(options.seed)) {
      throw new ConfigError('seed is an integer', `seed must be an integer, got ${described(options.seed)}`);
    }

    this.lock = lock;
    this.leaseDuration = leaseDuration;
    this.renewDeadline = renewDeadline;
    this.retryPeriod = retryPeriod;
    this.requestTimeout = requestTimeout;
    this.takeoverSlot = takeoverSlot;
    this.coordinated = options.coordinated === true;
    this.releaseOnCancel = options.releaseOnCancel ?? true;
    this.onStartedLeading = options.onStartedLeading;
    this.onStoppedLeading = options.onStoppedLeading;
    this.onNewLeader = options.onNewLeader;
    this.#name = options.name;
    this.logger =
      options.logger === undefined
        ? undefined
        : asLogger(options.logger, { level: options.logLevel ?? 'info' });
    const { logger, name } = this;
    this.onError =
      options.onError ??
      (logger ? (error, context) => logError(logger, name, error, context) : reportToConsole);
    this.clock = options.clock;
    this.seed = options.seed;
    warnLikelyMilliseconds(logger, () => this.name, leaseDuration, retryPeriod);
  }

  /** This candidate's identity (the lock's). */
  get identity(): string {
    return this.lock.identity;
  }

  /** The election's name: the `name` option, else the lock's description. */
  get name(): string {
    return this.#name ?? this.lock.describe();
  }
}
