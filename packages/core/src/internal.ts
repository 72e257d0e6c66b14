/**
 * `@leasehold/core/internal`: what the other Leasehold packages (the testkit's simulator, the locks, the CLI)
 * and the core's own tests share with the core, and applications do not call: the takeover herd's draws,
 * jitter, the follower's back-off and the lease arithmetic, quoting of stored values, the logging helpers
 * the driver uses, and a manual clock for tests.
 *
 * Unstable: names here change or go in any release, without a major version. Import `@leasehold/core`.
 *
 * @packageDocumentation
 */

export { defaultTakeoverSlot } from './config.ts';
export { errorLevel, logError, logTransition } from './logging.ts';
export { draw, learnSpread, MAX_SPREAD, maxStaggerMs, slotOf } from './machine/herd.ts';
export { jittered, nextRandom } from './machine/jitter.ts';
export {
  backoffCapMs,
  followerBackoff,
  isContention,
  leaseExpiry,
  notBeforeFloor,
  validitySentAt,
} from './machine/rules.ts';
export { ManualClock } from './manual-clock.ts';
export { clip, QUOTE_LIMIT, quote } from './quote.ts';
export { COORDINATED_STRATEGIES, formatRfc3339Seconds, isKnownStrategy, recordsEqual } from './record.ts';
export { randomSeed } from './system.ts';
