/**
 * `leasehold check MODULE`: the conformance checks, call by call; concurrent workloads, each history judged
 * for linearizability; then simulated clusters over the backend, each judged by the invariant checker
 * (`verifyBackend`). A verdict, its exit code, and for a failure what replays it.
 */
import {
  isStoreBackend,
  type ScenarioOverrides,
  type Verdict,
  verifyBackend,
  writeTimeline,
} from '@leasehold/testkit';
import { loadBackendModule } from './load-backend.ts';

/**
 * The exit code of each verdict (docs/model-checking.md). UNKNOWN (a history the checker could not judge)
 * is not a pass and keeps the code it always had, 1; the verdict line says which of the two it was.
 */
export const VERDICT_EXIT_CODES = { PASS: 0, FAIL: 1, UNKNOWN: 1, WARN: 4 } as const satisfies Record<
  Verdict,
  number
>;

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
  /** Whether to put a `store` the module offers behind faults inside the lock (default true). */
  readonly storeFaults?: boolean;
}

/** Prints what the checks found; resolves with the verdict's exit code (`VERDICT_EXIT_CODES`). */
export async function check(options: CheckOptions, out: (line: string) => void): Promise<number> {
  const useStore = options.storeFaults !== false;
  const backend = await loadBackendModule(options.module, useStore);
  const {
    conformance,
    workloads,
    simulation: result,
    verdict,
    warnings,
    storeFaults,
  } = await verifyBackend(backend, {
    runs: options.runs,
    ...(useStore ? {} : { storeFaults: false }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  out(
    storeFaults
      ? 'faults inside the lock: on (the module offers its store: its calls are slowed, failed, answered late and repeated)'
      : isStoreBackend(backend)
        ? 'faults inside the lock: off (--no-store-faults)'
        : 'faults inside the lock: off (the module offers no `store`: faults act around the lock only)',
  );
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
  for (const warning of warnings) out(`  WARN ${warning}`);
  out(`verdict: ${verdict}`);
  return VERDICT_EXIT_CODES[verdict];
}
