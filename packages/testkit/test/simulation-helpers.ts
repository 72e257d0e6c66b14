/**
 * What the simulation test files share: the property's seeds, the documented peak request rate while
 * failing, and a failing run turned into a test message. The simulation tests are split into several files
 * (simulation*.test.ts) so that vitest's workers run them side by side.
 */
import fc from 'fast-check';
import {
  describeFailure,
  type RunResult,
  type ScenarioOverrides,
  type Violation,
  writeTimeline,
} from '../src/index.ts';

/** LEASEHOLD_SIM_FC_SEED picks another sample of scenario seeds. */
export const FC_SEED = Number(process.env.LEASEHOLD_SIM_FC_SEED ?? 20261124);
export const seeds = fc.integer({ min: 1, max: 0x7fff_ffff });

/** The most requests one candidate may send in any retry period while its requests fail (guarantees.md). */
export const FAILING_PEAK = 4;

export const requestsOf = (run: RunResult): number =>
  run.stats.requests.get + run.stats.requests.create + run.stats.requests.update;

/** A failing run as a test's message: the report, and the path of its timeline (open it in a browser). */
export function failure(
  run: RunResult,
  violations: readonly Violation[],
  overrides?: ScenarioOverrides,
): string {
  return `${describeFailure(run, violations, overrides)}\n  timeline: ${writeTimeline(run, violations)}`;
}
