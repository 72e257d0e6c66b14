/**
 * `leasehold replay SEED`: one simulated cluster again, as a trace with the lock requests around each
 * violation (and a timeline page with --html).
 */
import {
  checkRun,
  formatRequestsAround,
  formatTrace,
  type ScenarioOverrides,
  scenarioFromSeed,
  simulate,
  writeTimeline,
} from '@leasehold/testkit';
import { loadBackend } from './load-backend.ts';

/** What `leasehold replay` was given. */
export interface ReplayOptions {
  /** The scenario's seed. */
  readonly seed: number;
  /** The backend module (`--lock`), or the in-memory store. */
  readonly module: string | undefined;
  /** Scenario overrides (`--overrides`). */
  readonly overrides: ScenarioOverrides | undefined;
  /** Where to write the timeline page (`--html`). */
  readonly html: string | undefined;
}

/** Prints the run; resolves with the exit code (0 no violation, 1 violations). */
export async function replay(options: ReplayOptions, out: (line: string) => void): Promise<0 | 1> {
  const scenario = scenarioFromSeed(options.seed, options.overrides);
  const backend = options.module ? await loadBackend(options.module) : undefined;
  out(
    `seed ${options.seed}: ${scenario.candidates} candidates, timing ${JSON.stringify(scenario.timing)} (seconds)`,
  );
  out(`backend: ${options.module ?? 'the in-memory store'}; variant ${scenario.variant}`);
  const run = await simulate(scenario, backend ? { backend } : {});
  out(formatTrace(run));
  const violations = checkRun(run);
  out(
    `events ${run.stats.events}, requests ${JSON.stringify(run.stats.requests)}, leadership terms ${run.intervals.length}`,
  );
  for (const v of violations) out(`VIOLATION ${v.invariant} at ${(v.atMs / 1000).toFixed(3)}s: ${v.detail}`);
  // Why: the lock requests (handle, operation, expected version, result, latency) around the first few.
  for (const v of violations.slice(0, 3)) out(formatRequestsAround(run, v));
  const backendName = options.module ?? 'the in-memory store';
  if (options.html)
    out(`timeline: ${writeTimeline(run, violations, options.html, { backend: backendName })}`);
  out(violations.length === 0 ? '0 violations' : `${violations.length} violation(s)`);
  return violations.length === 0 ? 0 : 1;
}
