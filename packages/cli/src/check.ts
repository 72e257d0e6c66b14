/**
 * `leasehold check MODULE`: the conformance checks, call by call; concurrent workloads, each history judged
 * for linearizability; then simulated clusters over the backend, each judged by the invariant checker
 * (`verifyBackend`). A verdict, and for a failure what replays it.
 */
import { type ScenarioOverrides, verifyBackend, writeTimeline } from '@leasehold/testkit';
import { loadBackend } from './load-backend.ts';

/** What `leasehold check` was given. */
export interface CheckOptions {
  /** The module exporting `backend`. */
  readonly module: string;
  /** Simulated clusters (`--runs`). */
  readonly runs: number;
  /** Sequence seed (`--seed`), or random. */
  readonly seed: number | undefined;
  /** Scenario overrides (`--overrides`). */
  readonly overrides: ScenarioOverrides | undefined;
  /** Where to write a failure's timeline (`--html`). */
  readonly html: string | undefined;
}

/** Prints what the checks found; resolves with the exit code (0 passed, 1 failed or could not be judged). */
export async function check(options: CheckOptions, out: (line: string) => void): Promise<0 | 1> {
  const backend = await loadBackend(options.module);
  const {
    conformance,
    workloads,
    simulation: result,
    verdict,
  } = await verifyBackend(backend, {
    runs: options.runs,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  out(
    `conformance: ${conformance.checks - conformance.failures.length} of ${conformance.checks} checks passed${conformance.watch ? ' (with the watch check)' : ''}`,
  );
  for (const failure of conformance.failures) out(`  FAILED ${failure.name}: ${failure.error}`);

  if (workloads.violation) {
    const { seed, result: violation } = workloads.violation;
    out(`linearizability: concurrent workload ${workloads.runs} (seed ${seed}) is not linearizable:`);
    if (violation.verdict === 'violation') for (const line of violation.detail.split('\n')) out(`  ${line}`);
  } else {
    out(
      `linearizability: ${workloads.runs} concurrent workloads, ${workloads.linearizable} linearizable, ${workloads.staleReads} only with stale reads, ${workloads.unknown} undecided`,
    );
  }

  if (result.failure) {
    const { failure } = result;
    out(
      `simulation: cluster ${result.runs} of ${options.runs} broke ${failure.violations.length} invariant(s)`,
    );
    for (const v of failure.violations.slice(0, 5))
      out(`  ${v.invariant} at ${(v.atMs / 1000).toFixed(3)}s: ${v.detail}`);
    const overrides = options.overrides ? ` --overrides '${JSON.stringify(options.overrides)}'` : '';
    out(`  replay: leasehold replay ${failure.seed} --lock ${options.module}${overrides}`);
    const timeline = options.html
      ? writeTimeline(failure.run, failure.violations, options.html)
      : failure.timeline;
    out(`  timeline: ${timeline}`);
  } else {
    const { histories } = result;
    out(
      `simulation: ${result.runs} clusters, 0 violations (sequence seed ${result.seed}: --seed ${result.seed} runs them again); lock histories: ${histories.linearizable} linearizable, ${histories.staleReads} only with stale reads, ${histories.unknown} undecided`,
    );
  }
  out(`verdict: ${verdict}`);
  return verdict === 'PASS' ? 0 : 1;
}
