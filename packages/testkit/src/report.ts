/** Human-readable output for a run: the replay command, the scenario, violations, and the trace. */
import type { Violation } from './checker.ts';
import type { RunResult } from './cluster.ts';
import type { LockOperation } from './linearizability/history.ts';
import type { ScenarioOverrides } from './scenario.ts';

/** The one-line command that replays `seed` and prints its whole trace. */
/** The command that replays a run of this repository's simulator from its seed. */
export function replayCommand(seed: number, overrides?: ScenarioOverrides): string {
  const extra = overrides && Object.keys(overrides).length > 0 ? ` '${JSON.stringify(overrides)}'` : '';
  return `node --conditions=source packages/testkit/src/replay.ts ${seed}${extra}`;
}

/**
 * A failed run, for a test's message: the seed, the first violations, the scenario, and how to replay it
 * (default: this repository's replay command).
 */
export function describeFailure(
  run: RunResult,
  violations: readonly Violation[],
  overrides?: ScenarioOverrides,
  replay: string = replayCommand(run.scenario.seed, overrides),
): string {
  const s = run.scenario;
  return [
    `simulation seed ${s.seed} broke ${violations.length} invariant(s):`,
    ...violations.slice(0, 5).map((v) => `  ${v.invariant} at ${(v.atMs / 1000).toFixed(3)}s: ${v.detail}`),
    `  candidates=${s.candidates} timing=${JSON.stringify(s.timing)} variant=${s.variant}`,
    `  replay: ${replay}`,
  ].join('\n');
}

/** The run's state changes, one line each, in true time: for reading around a violation. */
export function formatTrace(run: RunResult): string {
  const lines = run.trace
    .filter((e) => e.from !== e.to)
    .map(
      (e) =>
        `${(e.t / 1000).toFixed(3).padStart(10)}s  ${e.candidate}#${e.generation}  ${e.from} -> ${e.to}  (${e.input})`,
    );
  const faults = run.scenario.schedule.map(
    (f) =>
      `  ${(f.atMs / 1000).toFixed(3)}s ${f.kind} ${f.kind === 'outage' ? `of every candidate (${f.mode})` : typeof f.candidate === 'number' ? `c${f.candidate}` : f.candidate} for ${(f.durationMs / 1000).toFixed(3)}s`,
  );
  return [
    `faults:`,
    ...faults,
    `heal at ${(run.healAtMs / 1000).toFixed(3)}s`,
    `transitions:`,
    ...lines,
  ].join('\n');
}

/** A lock request as one line: handle, operation, expected version, result, latency. */
export function formatRequest(op: LockOperation): string {
  const holder = (key: string | undefined) =>
    key === undefined ? '' : `holder=${key.split('|')[0] || '""'}`;
  const operation =
    op.op === 'update'
      ? `update expected=${op.expectedVersion} ${holder(op.record)}`
      : op.op === 'create'
        ? `create ${holder(op.record)}`
        : op.op;
  const o = op.outcome;
  const result =
    o.type === 'snapshot'
      ? `-> version ${o.version} ${holder(o.record)}`
      : o.type === 'unknown'
        ? `-> no answer${o.error && o.error !== 'no answer' ? ` (${o.error})` : ''}`
        : `-> ${o.type}`;
  const latency = Number.isFinite(op.retMs) ? `${(op.retMs - op.callMs).toFixed(1)} ms` : '-';
  return `${(op.callMs / 1000).toFixed(3).padStart(10)}s  ${op.handle.padEnd(6)} ${operation.padEnd(34)} ${result.padEnd(30)} ${latency}`;
}

/**
 * The lock requests around true time `atMs`: every call made from one lease before it to one retry period
 * after, as the store side saw them (the last `limit` of them), for reading why a write slipped through.
 */
export function requestsAround(run: RunResult, atMs: number, limit = 40): LockOperation[] {
  const { leaseDuration, retryPeriod } = run.scenario.timing;
  const from = atMs - leaseDuration * 1000;
  const to = atMs + retryPeriod * 1000;
  const ops = run.history.filter((op) => op.callMs >= from && op.callMs <= to);
  return ops.slice(-limit);
}

/** The lock requests around a violation, with a header naming it: what `replay` prints under each one. */
export function formatRequestsAround(run: RunResult, violation: Violation): string {
  const ops = requestsAround(run, violation.atMs);
  return [
    `lock requests around ${violation.invariant} at ${(violation.atMs / 1000).toFixed(3)}s (${ops.length}, one lease before to one retry period after):`,
    `${'sent'.padStart(11)}  handle operation                          result                         latency`,
    ...ops.map(formatRequest),
  ].join('\n');
}
