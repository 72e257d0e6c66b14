/**
 * The behaviour-preservation check of issue 24 (item 7): runs the seeded scenarios 1..N (`scenarioFromSeed`,
 * the property tests' draws) and writes every statechart step of every candidate (time, candidate, input,
 * state before and after, effects) with each run's leader intervals and counts, one line per step, to a
 * file. Run it before and after a refactor of the core and compare the files: a refactor that keeps the
 * election's behaviour keeps them byte-identical.
 *
 *   node --conditions=source bench/trace-compare.ts --runs 900 --out /tmp/before.trace
 *   node --conditions=source bench/trace-compare.ts --runs 900 --out /tmp/after.trace
 *   cmp /tmp/before.trace /tmp/after.trace
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { LeaderElection, type TransitionInfo } from '@leasehold/core';
import { scenarioFromSeed, simulate } from '@leasehold/testkit';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '900' }, out: { type: 'string', default: 'trace.out' } },
});
const runs = Number(values.runs);
const out = createWriteStream(values.out);

// The simulator starts each election with `acquire()` right after constructing it: listen from there, so
// the first step recorded is the election's first (a second `acquire()`, after a step-down, adds nothing).
let record: ((candidate: string, info: TransitionInfo) => void) | null = null;
const listening = new WeakSet<LeaderElection>();
const acquire = LeaderElection.prototype.acquire;
LeaderElection.prototype.acquire = function (this: LeaderElection) {
  if (!listening.has(this)) {
    listening.add(this);
    const id = this.config.identity;
    this.subscribe((info) => record?.(id, info));
  }
  return acquire.call(this);
};

for (let seed = 1; seed <= runs; seed += 1) {
  const lines: string[] = [];
  let n = 0;
  record = (candidate, info) => {
    const { input, from, to, effects } = info;
    lines.push(JSON.stringify([n++, candidate, input, from, to, effects]));
  };
  const run = await simulate(scenarioFromSeed(seed));
  out.write(`seed ${seed}\n${lines.join('\n')}\n`);
  out.write(`intervals ${JSON.stringify(run.intervals)}\nstats ${JSON.stringify(run.stats)}\n`);
}
record = null;
await new Promise<void>((resolve) => out.end(resolve));
console.log(`${runs} runs written to ${values.out}`);
