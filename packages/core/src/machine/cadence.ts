/**
 * Request cadence under failure (docs/guide.md rule 7): the one place that decides how long a candidate
 * waits after a failed request. A failure never leads to a request sooner than one retry period later,
 * however fast it failed (a refused connection answers in microseconds); a follower doubles its wait with
 * each failure in a row, capped so that it still tries at least once a lease (or once per jittered retry
 * period, if that is longer), and waits at least what the store's `Retry-After` asks within that cap.
 */
import { jittered } from './jitter.ts';
import type { ElectionContext } from './types.ts';

/** The longest un-jittered back-off: a jittered wait then never exceeds max(lease, (1 + J) retry periods). */
export function backoffCapMs(timing: ElectionContext['timing']): number {
  return Math.max(timing.retryPeriodMs, timing.leaseDurationMs / (1 + timing.jitterFactor));
}

/**
 * A follower's wait after its `failures`-th failure in a row: retryPeriod * 2^(failures - 1), capped at
 * `backoffCapMs`, jittered like every retry, and at least `retryAfterMs` (itself capped at the longest wait).
 */
export function followerBackoff(
  ctx: ElectionContext,
  failures: number,
  retryAfterMs: number | undefined,
): readonly [ms: number, rng: number] {
  const { timing } = ctx;
  const cap = backoffCapMs(timing);
  const base = Math.min(timing.retryPeriodMs * 2 ** Math.min(Math.max(failures - 1, 0), 30), cap);
  const [ms, rng] = jittered(base, timing.jitterFactor, ctx.rng);
  const asked = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : 0;
  return [Math.max(ms, Math.min(asked, cap * (1 + timing.jitterFactor))), rng];
}

/** A timer for the next request, never before `notBefore`: the floor a failure set stays in force. */
export function notBeforeFloor(ctx: ElectionContext, at: number, ms: number): number {
  return Math.max(ms, ctx.notBefore - at, 0);
}
