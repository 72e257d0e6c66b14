/**
 * The checker's liveness, renewal and cadence checks as they were before issue 23 tightened them, kept only
 * so that tighter-checks.test.ts can show a broken variant each passed and the new check fails.
 */
import { cadenceViolations, type RunResult } from '../src/index.ts';

/** Before: satisfied by any leadership interval overlapping [heal, heal + bound]. */
export function livenessBefore(run: RunResult): boolean {
  const heal = run.healAtMs;
  const deadline = heal + run.scenario.livenessBoundMs;
  return run.intervals.some((i) => i.start <= deadline && i.end > heal);
}

/** Before: the renewal bound counted from the send time the candidate's own state machine believed. */
export function renewalsBefore(run: RunResult): boolean {
  const limit = (run.scenario.timing.renewDeadline * 1000) / (1 - run.scenario.faults.driftMax);
  const paused = (candidate: string, from: number, to: number) =>
    (run.pauses[candidate] ?? []).reduce(
      (sum, p) => sum + Math.max(0, Math.min(p.end, to) - Math.max(p.start, from)),
      0,
    );
  return run.intervals.every((interval) => {
    const checkpoints = interval.writes.slice(1).map((w) => w.answered);
    if (!interval.open) checkpoints.push(interval.end);
    let base = interval.writes[0]!.sent;
    return checkpoints.every((point, k) => {
      const ok = point - base <= limit + paused(interval.candidate, base, point) + 1;
      base = Math.max(base, interval.writes[k + 1]?.sent ?? base);
      return ok;
    });
  });
}

/** Before: rule 7 judged on the requests the state machines sent (their effects), not what the store got. */
export function cadenceBefore(run: RunResult): boolean {
  const minGapMs = (run.scenario.timing.retryPeriod * 1000) / (1 + run.scenario.faults.driftMax) - 1;
  return cadenceViolations(run.lockLog, minGapMs).length === 0;
}
