/**
 * When a watch stream that ended starts again (`watch-stream.ts`): a stream that lived restarts promptly, a
 * stream that failed or ended at once waits, doubling with each one in a row, with jitter.
 *
 * A stream "lived" when it stayed open at least `STEADY_AFTER_MS` after the server accepted it. Anything
 * shorter counts as a failure in a row even when it ended cleanly: a proxy or load balancer that accepts
 * watches and closes them at once must not turn one lock into ten requests a second, and a thousand
 * processes behind it must not reconnect in step (the jitter spreads them).
 */

/** A stream open this long after it was accepted is healthy: its end restarts promptly. */
export const STEADY_AFTER_MS = 1_000;
/** The restart after a healthy stream ended cleanly (the API server ends every watch after a while). */
export const RESTART_AFTER_END_MS = 100;
/** The first wait after a failure (or a stream that ended at once); it doubles with each one in a row. */
export const RESTART_AFTER_FAILURE_MS = 1_000;
/** The longest wait between two attempts (a refused or forbidden watch must not add load to a server in trouble). */
export const RESTART_AFTER_FAILURE_MAX_MS = 30_000;

/**
 * The wait before attempt `failures + 1` after `failures` failures in a row (>= 1): 1 s, 2 s, 4 s, ... up to
 * 30 s, each drawn uniformly from its upper half (`random` in [0, 1)), so a fleet does not retry in step.
 */
export function restartDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RESTART_AFTER_FAILURE_MS * 2 ** (failures - 1), RESTART_AFTER_FAILURE_MAX_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
