/**
 * `leasehold check MODULE`: the conformance checks, call by call, then simulated clusters over the backend,
 * each judged by the invariant checker. A verdict, and for a failure what replays it.
 */
import { systemClock } from '@leasehold/core';
import {
  checkBackend,
  checksFor,
  runLockConformance,
  type ScenarioOverrides,
  writeTimeline,
} from '@leasehold/testkit';
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

/** Prints the checks as they go; resolves with the exit code (0 passed, 1 failed). */
export async function check(options: CheckOptions, out: (line: string) => void): Promise<0 | 1> {
  const backend = await loadBackend(options.module);
  // Conformance on fresh objects, in real time (a model has no timers of its own).
  const probe = backend(systemClock).lock('leasehold-cli-probe');
  const conformance = { malformed: false, watch: typeof probe.watch === 'function' };
  const checks = checksFor(conformance).length;
  const failed = await runLockConformance(() => {
    const made = backend(systemClock);
    return { lock: (identity) => made.lock(identity) };
  }, conformance);
  out(
    `conformance: ${checks - failed.length} of ${checks} checks passed${conformance.watch ? ' (with the watch check)' : ''}`,
  );
  for (const failure of failed) out(`  FAILED ${failure.name}: ${failure.error}`);

  const result = await checkBackend(backend, {
    runs: options.runs,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
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
    out(
      `simulation: ${result.runs} clusters, 0 violations (sequence seed ${result.seed}: --seed ${result.seed} runs them again)`,
    );
  }
  const passed = failed.length === 0 && result.failure === null;
  out(`verdict: ${passed ? 'PASS' : 'FAIL'}`);
  return passed ? 0 : 1;
}
