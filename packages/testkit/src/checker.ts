/**
 * The invariant checker: judges a run's true-time timeline against the documented guarantees. Each check
 * returns violations with enough detail to read the trace around them; an empty list means the run passed.
 */
import type { LockLogEntry, RunResult } from './cluster.ts';
import { checkLinearizability, type LinearizabilityResult } from './linearizability/check.ts';

/** A broken guarantee, found in a run. */
export interface Violation {
  /**
   * Which guarantee (docs/guarantees.md): one leader at a time, token order, renewal bound, liveness,
   * cadence; or the lock's own contract: its history is one a compare-and-swap register could produce.
   */
  readonly invariant:
    | 'single-leader'
    | 'token-order'
    | 'renewal'
    | 'liveness'
    | 'cadence'
    | 'linearizability';
  /** When, in the run's true ms. */
  readonly atMs: number;
  /** What happened, naming candidates and times: enough to find it in the trace. */
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
 * When the store received each write it answered with a version, by candidate: the send time the store saw,
 * whatever the candidate's state machine believes about it.
 */
function storeSendTimes(run: RunResult): Map<string, number> {
  const received = new Map<string, number>();
  const sent = new Map<string, number>();
  for (const entry of run.storeLog) {
    const key = `${entry.handle}#${entry.call}`;
    if (entry.what === 'received') received.set(key, entry.t);
    else if (entry.version !== undefined) sent.set(`${entry.handle}@${entry.version}`, received.get(key)!);
  }
  return sent;
}

/**
 * A leader never goes longer than renewDeadline (on its own clock, so /(1 - drift) in true time) since its
 * last successful write was sent, except for time it spent paused, when it could not act at all. "Sent" is
 * when the store side received the write (the request's first byte left the candidate then: the simulated
 * network delays only inside the store), found by the version the store gave it; never the candidate's own
 * belief, which is what is being checked.
 */
export function checkRenewals(run: RunResult): Violation[] {
  const { renewDeadline } = run.scenario.timing;
  const slack = 1; // ms: float rounding between local and true time
  const limit = (renewDeadline * 1000) / (1 - run.scenario.faults.driftMax);
  const sendTimes = storeSendTimes(run);
  const violations: Violation[] = [];
  for (const interval of run.intervals) {
    // The store's send time of each write; a write the store never logged (no such version) is judged on
    // the candidate's own figure, so the check is never looser than before.
    const sent = interval.writes.map((w) =>
      Math.min(w.sent, sendTimes.get(`${interval.candidate}@${w.version}`) ?? w.sent),
    );
    // Checkpoints: each renewal's answer (judged against the write before it), then the interval's end.
    const checkpoints = interval.writes.slice(1).map((w) => w.answered);
    if (!interval.open) checkpoints.push(interval.end);
    let base = sent[0]!;
    checkpoints.forEach((point, k) => {
      const allowed = limit + pausedWithin(run, interval.candidate, base, point) + slack;
      if (point - base > allowed) {
        violations.push({
          invariant: 'renewal',
          atMs: point,
          detail: `${interval.candidate} led ${fmt(point - base)} after its last write was sent (allowed ${fmt(allowed)})`,
        });
      }
      base = Math.max(base, sent[k + 1] ?? base);
    });
  }
  return violations;
}

/**
 * The leaderless stretches of [from, to): the gaps between the union of every leadership interval, with a
 * gap still open at `to` ending there.
 */
export function leaderlessWindows(
  run: RunResult,
  from: number,
  to: number,
): { start: number; end: number }[] {
  const sorted = [...run.intervals].sort((a, b) => a.start - b.start);
  const windows: { start: number; end: number }[] = [];
  let covered = from;
  for (const interval of sorted) {
    if (interval.end <= covered) continue;
    if (interval.start > covered) windows.push({ start: covered, end: Math.min(interval.start, to) });
    covered = Math.max(covered, interval.end);
    if (covered >= to) break;
  }
  if (covered < to) windows.push({ start: covered, end: to });
  return windows.filter((w) => w.end > w.start);
}

/**
 * Once every fault has healed, no stretch without a leader lasts longer than the documented bound: the
 * first (from the heal to the first leader) and every later one (a leader lost in a healthy cluster must
 * be replaced as fast). The run ends a lease after the bound, so a leader lost for good within that lease
 * of the heal leaves a stretch longer than the bound.
 */
export function checkLiveness(run: RunResult): Violation[] {
  const bound = run.scenario.livenessBoundMs;
  return leaderlessWindows(run, run.healAtMs, run.endAtMs)
    .filter((w) => w.end - w.start > bound)
    .map((w) => ({
      invariant: 'liveness' as const,
      atMs: w.start + bound,
      detail:
        w.start === run.healAtMs
          ? `no leader within ${fmt(bound)} of healing at ${fmt(w.start)}`
          : `no leader from ${fmt(w.start)} (after the heal at ${fmt(run.healAtMs)}) for ${fmt(w.end - w.start)}, more than ${fmt(bound)}`,
    }));
}

/**
 * Inputs whose requests rule 7 does not hold back: a notification, stopping, a user's attempt, a new start
 * (a leader's stop or handover writes when its work has stopped: `WORK_STOPPED`).
 */
const CADENCE_EXEMPT_CAUSES = new Set([
  'LOCK_CHANGED',
  'STOP',
  'ATTEMPT',
  'START',
  'HANDOVER',
  'WORK_STOPPED',
]);

/**
 * Rule 7, the request-rate bound: after a failed request, a candidate sends no request for one retry period
 * (its clock, so /(1 + drift) in true time), whatever woke it, until an answer arrives. So while all its
 * requests fail, a candidate sends at most one request per retry period. Exempt: a write prompted by a watch
 * notification (the store just spoke), the release requests of a stopping leader (at most three), the first
 * request of an election started anew (it has no memory of the last one's failures), and the
 * user's own `tryAcquireOrRenew()`.
 */
export function checkCadence(run: RunResult): Violation[] {
  const minGapMs = (run.scenario.timing.retryPeriod * 1000) / (1 + run.scenario.faults.driftMax) - 1;
  return [...cadenceViolations(run.lockLog, minGapMs), ...storeCadenceViolations(run, minGapMs)];
}

/**
 * Rule 7 as the store saw it: each request the store received from a candidate is one its state machine
 * sent at that instant (and then judged above, exempt or not), or it is judged here against the
 * candidate's last failure, as the store answered it or as its state machine timed it out. A client that
 * retries inside the lock, or a driver that sends more than its statechart asked for, is caught here.
 */
export function storeCadenceViolations(run: RunResult, minGapMs: number): Violation[] {
  type Event =
    | { t: number; order: number; kind: 'machine'; entry: LockLogEntry }
    | { t: number; order: number; kind: 'store'; entry: RunResult['storeLog'][number] };
  const events: Event[] = [
    ...run.lockLog.map((entry, order) => ({ t: entry.t, order, kind: 'machine' as const, entry })),
    ...run.storeLog.map((entry, order) => ({ t: entry.t, order, kind: 'store' as const, entry })),
  ];
  // At one instant the machine's entry comes first: its request is what the store then receives.
  events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? a.order - b.order : a.kind === 'machine' ? -1 : 1));
  const lastFailure = new Map<string, number>();
  // Sends of each candidate's state machine not yet matched; earlier ones are dropped as time passes (a
  // request the store never received: lost in a partition, refused on the way).
  const asked = new Map<string, number[]>();
  const heads = new Map<string, number>();
  const violations: Violation[] = [];
  for (const event of events) {
    if (event.kind === 'machine') {
      const { candidate, what, t } = event.entry;
      if (what === 'sent') {
        const list = asked.get(candidate) ?? [];
        asked.set(candidate, list);
        list.push(t);
      } else if (what === 'failed') lastFailure.set(candidate, t);
      else lastFailure.delete(candidate);
      continue;
    }
    const { handle, what, t, op } = event.entry;
    if (what === 'answered') lastFailure.delete(handle);
    else if (what === 'failed') lastFailure.set(handle, t);
    else {
      const pending = asked.get(handle) ?? [];
      let head = heads.get(handle) ?? 0;
      while (head < pending.length && pending[head]! < t - 1e-6) head += 1;
      const matched = head < pending.length && Math.abs(pending[head]! - t) < 1e-6;
      heads.set(handle, matched ? head + 1 : head);
      if (matched) continue;
      const failedAt = lastFailure.get(handle);
      if (failedAt !== undefined && t - failedAt < minGapMs) {
        violations.push({
          invariant: 'cadence',
          atMs: t,
          detail: `the store received a ${op} from ${handle} its state machine did not send, ${fmt(t - failedAt)} after a failure (at least ${fmt(minGapMs)})`,
        });
      }
    }
  }
  return violations;
}

/**
 * Rule 7 over any lock log (simulated, or rebuilt from real candidates' traces): each request that the rule
 * holds back, sent less than `minGapMs` after its candidate's last failure with no answer in between.
 */
export function cadenceViolations(log: readonly LockLogEntry[], minGapMs: number): Violation[] {
  const lastFailure = new Map<string, number>();
  const violations: Violation[] = [];
  for (const entry of log) {
    const key = `${entry.candidate}#${entry.generation}`;
    if (entry.what === 'answered') lastFailure.delete(key);
    else if (entry.what === 'failed') lastFailure.set(key, entry.t);
    else if (!CADENCE_EXEMPT_CAUSES.has(entry.cause) && entry.from !== 'releasing') {
      const failedAt = lastFailure.get(key);
      if (failedAt !== undefined && entry.t - failedAt < minGapMs) {
        violations.push({
          invariant: 'cadence',
          atMs: entry.t,
          detail: `${key} sent a request (${entry.cause}) ${fmt(entry.t - failedAt)} after a failure (at least ${fmt(minGapMs)})`,
        });
      }
    }
  }
  return violations;
}

/** The most of `times` (sorted ascending) that fall in any window of `windowMs`. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi += 1) {
    while (times[hi]! - times[lo]! >= windowMs) lo += 1;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** The most requests one candidate sent in any window of one retry period, and while its requests failed. */
export function peakRequestRate(run: RunResult): { perRetryPeriod: number; perRetryPeriodFailing: number } {
  const window = run.scenario.timing.retryPeriod * 1000;
  const sent = new Map<string, { all: number[]; failing: number[] }>();
  const failing = new Set<string>();
  for (const entry of run.lockLog) {
    const key = `${entry.candidate}#${entry.generation}`;
    if (entry.what === 'answered') failing.delete(key);
    else if (entry.what === 'failed') failing.add(key);
    else {
      const times = sent.get(key) ?? { all: [], failing: [] };
      sent.set(key, times);
      times.all.push(entry.t);
      if (failing.has(key)) times.failing.push(entry.t);
    }
  }
  let perRetryPeriod = 0;
  let perRetryPeriodFailing = 0;
  for (const times of sent.values()) {
    perRetryPeriod = Math.max(perRetryPeriod, maxInWindow(times.all, window));
    perRetryPeriodFailing = Math.max(perRetryPeriodFailing, maxInWindow(times.failing, window));
  }
  return { perRetryPeriod, perRetryPeriodFailing };
}

const verdicts = new WeakMap<RunResult, LinearizabilityResult>();

/**
 * The linearizability verdict on a run's lock history (computed once per run). Reads may lag the writes by up
 * to one lease: the elector only acts on a compare-and-swap, so stale reads cost failover time, not safety.
 */
export function runLinearizability(run: RunResult): LinearizabilityResult {
  let result = verdicts.get(run);
  if (!result) {
    result = checkLinearizability(run.history, { readLagMs: run.scenario.timing.leaseDuration * 1000 });
    verdicts.set(run, result);
  }
  return result;
}

/** The lock's history is one a compare-and-swap register could produce (stale reads allowed, see above). */
export function checkLinearizable(run: RunResult): Violation[] {
  const result = runLinearizability(run);
  if (result.verdict !== 'violation') return [];
  const lines = result.detail.split('\n');
  return [
    {
      invariant: 'linearizability',
      atMs: result.atMs,
      detail: `no compare-and-swap register answers these ${result.operations.length} calls: ${lines.join('; ')}`,
    },
  ];
}

/** Every check on one run; empty when the run kept every guarantee. */
export function checkRun(run: RunResult): Violation[] {
  return [
    ...checkSingleLeader(run),
    ...checkTokenOrder(run),
    ...checkRenewals(run),
    ...checkLiveness(run),
    ...checkCadence(run),
    ...checkLinearizable(run),
  ];
}

function fmt(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)}s` : 'end';
}
