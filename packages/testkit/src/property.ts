/**
 * Model-checking a lock backend in one call: many simulated clusters over your backend, each judged by the
 * invariant checker (docs/model-checking.md). `checkBackend` is the plain function; `describeBackendSimulation`
 * (from `@leasehold/testkit/vitest`) wraps it as a vitest test for your own test files.
 */
import fc from 'fast-check';
import { checkRun, runLinearizability, type Violation } from './checker.ts';
import { type BackendFactory, type RunResult, simulate } from './cluster.ts';
import { describeFailure } from './report.ts';
import { type ScenarioOverrides, scenarioFromSeed } from './scenario.ts';
import { writeTimeline } from './timeline.ts';

/** How many clusters, which ones, and what to fix in them. */
export interface BackendCheckOptions {
  /** Simulated clusters to run; default 100. */
  readonly runs?: number;
  /** Seed of the sequence of scenario seeds (fast-check's); default random, and reported. */
  readonly seed?: number;
  /** Fixed instead of drawn in every scenario (timings, fault rates, candidates, ...). */
  readonly overrides?: ScenarioOverrides;
}

/** What `checkBackend` found. */
export interface BackendCheckResult {
  /** Clusters run (up to and including a failing one). */
  readonly runs: number;
  /** The sequence's seed: pass it back as `seed` to run the same clusters again. */
  readonly seed: number;
  /**
   * The linearizability verdicts on the clusters' lock histories: `staleReads` passed only with reads lagging
   * (a deviation the election tolerates), `unknown` ran out of budget (neither pass nor fail).
   */
  readonly histories: {
    readonly linearizable: number;
    readonly staleReads: number;
    readonly unknown: number;
  };
  /** The first failing cluster, or `null` if every run kept every guarantee. */
  readonly failure: {
    /** The scenario's seed: `simulate(scenarioFromSeed(seed, overrides), { backend })` replays it. */
    readonly seed: number;
    readonly violations: readonly Violation[];
    readonly run: RunResult;
    /** The failure as text, with the call that replays it and the path of its timeline. */
    readonly report: string;
    /** The run drawn as an HTML timeline (`renderTimeline`), in the system's temporary directory. */
    readonly timeline: string;
  } | null;
}

/** Runs simulated clusters over `backend` until one breaks a guarantee or `runs` have passed. */
export async function checkBackend(
  backend: BackendFactory,
  options: BackendCheckOptions = {},
): Promise<BackendCheckResult> {
  const runs = options.runs ?? 100;
  const seed = options.seed ?? Math.floor(Math.random() * 0x7fff_ffff);
  let count = 0;
  let failure: BackendCheckResult['failure'] = null;
  const histories = { linearizable: 0, staleReads: 0, unknown: 0 };
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 0x7fff_ffff }), async (scenarioSeed) => {
      if (failure) return;
      count += 1;
      const run = await simulate(scenarioFromSeed(scenarioSeed, options.overrides), { backend });
      const violations = checkRun(run);
      const verdict = runLinearizability(run).verdict;
      if (verdict === 'linearizable') histories.linearizable += 1;
      else if (verdict === 'stale-reads') histories.staleReads += 1;
      else if (verdict === 'unknown') histories.unknown += 1;
      if (violations.length === 0) return;
      const overrides = options.overrides ? `, ${JSON.stringify(options.overrides)}` : '';
      const replay = `simulate(scenarioFromSeed(${scenarioSeed}${overrides}), { backend })`;
      const timeline = writeTimeline(run, violations);
      const report = `${describeFailure(run, violations, options.overrides, replay)}\n  timeline: ${timeline}`;
      failure = { seed: scenarioSeed, violations, run, report, timeline };
    }),
    { numRuns: runs, seed },
  );
  return { runs: count, seed, histories, failure };
}
