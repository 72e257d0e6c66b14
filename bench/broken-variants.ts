/**
 * The table "The checker can fail" of docs/guarantees.md: each broken variant (and its in-bound control)
 * over simulator seeds 1..100, counting the seeds whose run broke the named invariant.
 *
 *   node --conditions=source bench/broken-variants.ts [--seeds 100]
 */
import { parseArgs } from 'node:util';
import {
  checkRun,
  type ScenarioOverrides,
  scenarioFromSeed,
  simulate,
  type Violation,
} from '@leasehold/testkit';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '100' } } });
const SEEDS = Number(values.seeds);

const rows: { label: string; overrides: ScenarioOverrides; invariant?: Violation['invariant'] }[] = [
  {
    label: "lock without compare-and-swap (`variant: 'no-cas'`)",
    overrides: { variant: 'no-cas' },
    invariant: 'single-leader',
  },
  {
    label: "elector trusting the remote `renewTime` under wall-clock skew (`variant: 'trust-remote-clock'`)",
    overrides: { variant: 'trust-remote-clock' },
    invariant: 'single-leader',
  },
  {
    label: 'pauses 4x beyond the bound, aimed at the leader',
    overrides: { pauseFactor: 4, counts: { pause: 4 }, pausesHitLeader: true },
    invariant: 'single-leader',
  },
  {
    label: "the retry rule before rule 7 (`variant: 'eager-retry'`), one outage, 20% instant refusals",
    overrides: {
      variant: 'eager-retry',
      counts: { outage: 1 },
      faults: { instantFailureRate: 0.2 },
      faultPhaseLeases: 3,
    },
    invariant: 'cadence',
  },
  {
    label: '(correct elector) the same pauses within the bound, aimed at the leader',
    overrides: { pauseFactor: 1, counts: { pause: 4 }, pausesHitLeader: true },
  },
  {
    label: '(correct elector) every partition missed by the watch, 3 partitions per run',
    overrides: { faults: { silentWatchLossRate: 1 }, counts: { partition: 3 } },
  },
  {
    label: '(correct elector) one outage, 20% instant refusals',
    overrides: { counts: { outage: 1 }, faults: { instantFailureRate: 0.2 }, faultPhaseLeases: 3 },
  },
];

console.log('| variant | seeds whose runs broke the invariant |');
console.log('| --- | ---: |');
for (const row of rows) {
  let broken = 0;
  for (let seed = 1; seed <= SEEDS; seed += 1) {
    const violations = checkRun(await simulate(scenarioFromSeed(seed, row.overrides)));
    if (violations.some((v) => row.invariant === undefined || v.invariant === row.invariant)) broken += 1;
  }
  console.log(`| ${row.label} | ${broken} / ${SEEDS}${row.invariant ? ` (${row.invariant})` : ' (any)'} |`);
}
