/**
 * The logger port (docs/operations.md "Logging"). An election given a logger writes, as structured entries:
 * each change of state at `info` (became leader, stopped leading, a new leader seen, stopped), each report
 * of the error policy (docs/guide.md "Errors": first occurrences, counts of repetitions, recoveries) at
 * `warn` or `error` by how much it needs a person, and every lock request and its answer at `debug`. Entries
 * below the configured level (default `info`) are dropped here, so a quiet log costs nothing.
 *
 * Both usual shapes plug in: console-style loggers take `(message, fields)` (`console` itself, winston,
 * consola), pino-style take `(fields, message)` (pino, bunyan). `asLogger` tells them apart by pino's
 * `bindings()` method or is told.
 */
import {
  DuplicateIdentityError,
  isLockError,
  LockRecovered,
  oneLine,
  RepeatedFailure,
  summarizeLockError,
} from './errors.ts';
import { clip } from './quote.ts';
import type { TransitionInfo } from './transition-info.ts';

/** Severity, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields of one entry: always `election` (the config's name) and the entry's own. */
export type LogFields = Readonly<Record<string, unknown>>;

/** What an election writes to: one method per level. */
export interface Logger {
  /** Requests and answers: for tracing a problem. */
  debug(message: string, fields: LogFields): void;
  /** Changes of state. */
  info(message: string, fields: LogFields): void;
  /** Failures the election rides out. */
  warn(message: string, fields: LogFields): void;
  /** Failures that need a person (permissions, bad records, a duplicate identity). */
  error(message: string, fields: LogFields): void;
}

/** Any logger with the four methods (`debug` may be missing), in either argument order. */
export interface LoggerLike {
  /** Optional: `info` is used when missing. */
  debug?(...args: unknown[]): void;
  /** Writes at info. */
  info(...args: unknown[]): void;
  /** Writes at warn. */
  warn(...args: unknown[]): void;
  /** Writes at error. */
  error(...args: unknown[]): void;
  /** pino's: its presence marks a fields-first logger. */
  readonly bindings?: unknown;
}

/** The levels, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options of `asLogger`. */
export interface AsLoggerOptions {
  /** Entries below this level are dropped; default `info`. */
  readonly level?: LogLevel;
  /** Argument order; default: `fields-first` when the target has pino's `bindings()`, else `message-first`. */
  readonly style?: 'message-first' | 'fields-first';
}

/** Wraps a console-style or pino-style logger as a `Logger` with a level. */
export function asLogger(target: LoggerLike, options: AsLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const style = options.style ?? (typeof target.bindings === 'function' ? 'fields-first' : 'message-first');
  const fieldsFirst = style === 'fields-first';
  const write =
    (level: LogLevel) =>
    (message: string, fields: LogFields): void => {
      if (RANK[level] < threshold) return;
      const args = fieldsFirst ? [fields, message] : [message, fields];
      if (level === 'debug' && target.debug) target.debug(...args);
      else if (level === 'debug' || level === 'info') target.info(...args);
      else target[level](...args);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * The level a report of the error policy is logged at: `error` for what a person must fix (Forbidden,
 * Malformed, a duplicate identity, a callback that threw), `info` for a recovery, `warn` for the rest (an
 * unavailable or slow store, conflicts), and a repetition at its latest failure's level.
 */
export function errorLevel(error: unknown): LogLevel {
  if (error instanceof LockRecovered) return 'info';
  if (error instanceof RepeatedFailure) return errorLevel(error.cause);
  if (isLockError(error)) return error.kind === 'Forbidden' || error.kind === 'Malformed' ? 'error' : 'warn';
  return 'error';
}

/**
 * One report as the console reporter prints it. A lock failure (a `LockError`) is one line: its name and
 * message (kind, lock and what happened, already bounded) and at most `CAUSE_CHARS` of its cause's message
 * (`summarizeLockError`), never the cause itself: a store's answer carries response headers and a body (a
 * Set-Cookie from an auth proxy, the request that failed). The election's own reports (a count of
 * repetitions, a recovery, a duplicate identity) are one line too (`oneLine`): their stacks are the
 * reporter's frames. Anything else (a callback that threw) is its stack, cut to 2 KiB: the stack is what
 * finds a bug in a callback.
 */
export function formatReport(error: unknown): string {
  if (!(error instanceof Error)) return clip(String(error), 2_048);
  if (isLockError(error)) return summarizeLockError(error);
  if (
    error instanceof RepeatedFailure ||
    error instanceof LockRecovered ||
    error instanceof DuplicateIdentityError
  )
    return clip(oneLine(error), 2_048);
  return clip(error.stack ?? `${error.name}: ${error.message}`, 2_048);
}

/** Writes one reported error at its level (`errorLevel`), with where it happened. */
export function logError(logger: Logger, election: string, error: unknown, context: string): void {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : typeof error;
  logger[errorLevel(error)](`${name}: ${message}`, { election, context, error });
}

/** Writes what one step of the statechart did: changes of state at info, requests and answers at debug. */
export function logTransition(logger: Logger, election: string, info: TransitionInfo): void {
  const { input, from, to } = info;
  if (input.type === 'LOCK_READ' || input.type === 'LOCK_WRITTEN')
    logger.debug('lock answered', {
      election,
      answer: input.type,
      version: input.snapshot?.version ?? null,
      holder: input.snapshot?.record.holderIdentity ?? null,
    });
  else if (input.type === 'LOCK_FAILED')
    logger.debug('lock request failed', { election, error: input.error });
  if (from !== to) {
    const fields = { election, from, to };
    if (to === 'leader') logger.info('became leader', fields);
    else if (from === 'leader') logger.info('stopped leading', stoppedLeadingFields(election, info));
    else if (to === 'stopped') logger.info('stopped', fields);
    else if (from === 'stopped') logger.info('campaigning', fields);
    else logger.info(`state ${to}`, fields);
  }
  for (const effect of info.effects) {
    if (effect.type === 'readLock' || effect.type === 'createLock' || effect.type === 'updateLock')
      logger.debug('lock request', { election, request: effect.type, state: to });
    else if (effect.type === 'notify' && effect.event === 'newLeader')
      logger.info('new leader', { election, leader: effect.identity });
  }
}

/**
 * The fields of `stopped leading`: the state change, whose leadership ended (`identity`: every replica
 * logs the line under the same `election`), why (`reason`, as `onStoppedLeading` is told: the step that
 * leaves `leader` always carries that notification), and the holder the lock now names when it is another
 * (`leader`: a loss to it) or the candidate a handover goes to (`handoverTo`). One entry, as before.
 */
function stoppedLeadingFields(election: string, info: TransitionInfo): LogFields {
  const { from, to, effects, snapshot } = info;
  const { identity, lease, handoff } = snapshot.context;
  let reason: string | null = null;
  for (const effect of effects)
    if (effect.type === 'notify' && effect.event === 'stoppedLeading') reason = effect.reason;
  const holder = lease.observed?.snapshot?.record.holderIdentity ?? '';
  return {
    election,
    from,
    to,
    identity,
    reason,
    ...(holder !== '' && holder !== identity ? { leader: holder } : {}),
    ...(handoff.handoverTo !== null ? { handoverTo: handoff.handoverTo } : {}),
  };
}
