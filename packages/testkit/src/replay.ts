/**
 * Replays one simulation seed and prints its scenario, fault schedule, state transitions and verdict, and
 * for a violation the lock requests around it.
 *
 *   node --conditions=source packages/testkit/src/replay.ts <seed> ['<scenario overrides as JSON>']
 *
 * Exits 1 when the run breaks an invariant.
 */
import { checkRun } from './checker.ts';
import { simulate } from './cluster.ts';
import { describeFailure, formatRequestsAround, formatTrace } from './report.ts';
import { type ScenarioOverrides, scenarioFromSeed } from './scenario.ts';

const [seedArg, overridesArg] = process.argv.slice(2);
const seed = Number(seedArg);
if (!Number.isInteger(seed)) {
  console.error('usage: replay.ts <seed> [overrides-json]');
  process.exit(2);
}
const overrides = (overridesArg ? JSON.parse(overridesArg) : {}) as ScenarioOverrides;
const scenario = scenarioFromSeed(seed, overrides);
console.log(`seed ${seed}: ${scenario.candidates} candidates, timing ${JSON.stringify(scenario.timing)}`);
console.log(`faults ${JSON.stringify(scenario.faults)}, variant ${scenario.variant}`);
const run = await simulate(scenario);
console.log(formatTrace(run));
const violations = checkRun(run);
console.log(
  `events ${run.stats.events}, requests ${JSON.stringify(run.stats.requests)}, leader intervals ${run.intervals.length}`,
);
if (violations.length > 0) {
  for (const v of violations.slice(0, 3)) console.log(formatRequestsAround(run, v));
  console.log(describeFailure(run, violations, overrides));
  process.exit(1);
}
console.log('0 violations');
