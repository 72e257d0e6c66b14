/**
 * The invariant checker: judges a run's true-time timeline against the documented guarantees. Each check
 * returns violations with enough detail to read the trace around them; an empty list means the run passed.
 */
import type { LeaderInterval, RunResult } from './cluster.ts';

export interface Violation {
  readonly invariant: 'single-leader' | 'token-order' | 'renewal' | 'liveness';
  readonly atMs: number;
  readonly detail: string;
}

/** Leadership intervals of different candidates never overlap (touching ends are fine). */
export function checkSingleLeader(run: RunResult): Violation[] {
  const sorted = [...run.intervals].sort((a, b) => a.start - b.start);
  const violations: Violation[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    for (let j = i + 1; j < sorted.length; j += 1) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      if (b.start >= a.end) break;
      if (a.candidate !== b.candidate) {
        violations.push({
          invariant: 'single-leader',
          atMs: b.start,
          detail: `${a.candidate} led [${fmt(a.start)}, ${fmt(a.end)}) and ${b.candidate} led from ${fmt(b.start)}`,
        });
      }
    }
  }
  return violations;
}

/** Fencing tokens never go back, and grow whenever the leader changes. */
export function checkTokenOrder(run: RunResult): Violation[] {
  const sorted = [...run.intervals].sort((a, b) => a.start - b.start);
  const violations: Violation[] = [];
  for (let i = 1; i < sorted.length; i += 1) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    const ok = next.candidate === prev.candidate ? next.token >= prev.token : next.token > prev.token;
    if (!ok) {
      violations.push({
        invariant: 'token-order',
        atMs: next.start,
        detail: `${prev.candidate} led with token ${prev.token}, then ${next.candidate} with ${next.token}`,
      });
    }
  }
  return violations;
}

function pausedWithin(run: RunResult, candidate: string, from: number, to: number): number {
  let total = 0;
  for (const p of run.pauses[candidate] ?? [])
    total += Math.max(0, Math.min(p.end, to) - Math.max(p.start, from));
  return total;
}

/**
 * A leader never goes longer than renewDeadline (on its own clock, so /(1 - drift) in true time) since its
 * last successful write was sent, except for time it spent paused, when it could not act at all.
 */
export function checkRenewals(run: RunResult): Violation[] {
  const { renewDeadline } = run.scenario.timing;
  const slack = 1; // ms: float rounding between local and true time
  const limit = (renewDeadline * 1000) / (1 - run.scenario.faults.driftMax);
  const violations: Violation[] = [];
  for (const interval of run.intervals) {
    // Checkpoints: each renewal's answer (judged against the write before it), then the interval's end.
    const checkpoints = interval.writes.slice(1).map((w) => w.answered);
    if (!interval.open) checkpoints.push(interval.end);
    let base = interval.writes[0]!.sent;
    checkpoints.forEach((point, k) => {
      const allowed = limit + pausedWithin(run, interval.candidate, base, point) + slack;
      if (point - base > allowed) {
        violations.push({
          invariant: 'renewal',
          atMs: point,
          detail: `${interval.candidate} led ${fmt(point - base)} after its last write was sent (allowed ${fmt(allowed)})`,
        });
      }
      base = Math.max(base, interval.writes[k + 1]?.sent ?? base);
    });
  }
  return violations;
}

/** Once every fault has healed, some candidate leads within the documented bound. */
export function checkLiveness(run: RunResult): Violation[] {
  const heal = run.healAtMs;
  const deadline = heal + run.scenario.livenessBoundMs;
  const leads = run.intervals.some((i: LeaderInterval) => i.start <= deadline && i.end > heal);
  if (leads) return [];
  return [
    {
      invariant: 'liveness',
      atMs: deadline,
      detail: `no leader within ${fmt(run.scenario.livenessBoundMs)} of healing at ${fmt(heal)}`,
    },
  ];
}

export function checkRun(run: RunResult): Violation[] {
  return [...checkSingleLeader(run), ...checkTokenOrder(run), ...checkRenewals(run), ...checkLiveness(run)];
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)}s` : 'end';
}
