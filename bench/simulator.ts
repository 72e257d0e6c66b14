/**
 * Benchmark: the simulator's throughput, in simulated candidate-hours per CPU-second (issue 15's measure):
 * the seeded scenarios 1..N (`scenarioFromSeed`, the same draws as the property tests) run one after another
 * in this process; CPU from `process.cpuUsage()`; bytes allocated on the V8 heap (what its collections freed,
 * v8.GCProfiler, plus the used heap's growth) in all and per simulated event (a timer, a delivery, a step).
 *
 *   scripts/bench.sh --simulator [--runs 2000]
 */
import { parseArgs } from 'node:util';
import { GCProfiler } from 'node:v8';
import { scenarioFromSeed, simulate } from '@leasehold/testkit';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' } } });
const runs = Number(values.runs);
const gcProfiler = new GCProfiler();
const heapUsed0 = process.memoryUsage().heapUsed;
gcProfiler.start();
const cpu0 = process.cpuUsage();
let candidateHours = 0;
let events = 0;
for (let seed = 1; seed <= runs; seed += 1) {
  const scenario = scenarioFromSeed(seed);
  const run = await simulate(scenario);
  candidateHours += (run.endAtMs / 3_600_000) * scenario.candidates;
  events += run.stats.events;
}
const cpu = process.cpuUsage(cpu0);
const heapUsed1 = process.memoryUsage().heapUsed;
let freed = 0;
for (const collection of gcProfiler.stop()?.statistics ?? [])
  freed += collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize;
const allocated = freed + heapUsed1 - heapUsed0;
const seconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `${runs} runs (seeds 1..${runs}): ${candidateHours.toFixed(1)} simulated candidate-hours, ${events} events, ` +
    `${seconds.toFixed(1)} CPU-s: ${(candidateHours / seconds).toFixed(1)} candidate-hours per CPU-second; ` +
    `${(allocated / 2 ** 20).toFixed(0)} MiB allocated on the V8 heap, ${(allocated / events / 1024).toFixed(2)} KiB per event`,
);
