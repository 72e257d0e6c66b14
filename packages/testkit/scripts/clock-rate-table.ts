/**
 * The clock-rate sweep (src/clock-rate.ts): for each lease/renew-deadline ratio and rate error r, how many
 * of the clusters (seeds 1..N) broke an invariant; writes the table into docs/guarantees.md between the
 * `clock-rate-table` marker comments.
 *
 *   node --conditions=source packages/testkit/scripts/clock-rate-table.ts [--seeds 12] [--no-write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ClockRatePoint, clockRateBound, clockRatePoint } from '../src/clock-rate.ts';

const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '12' }, 'no-write': { type: 'boolean', default: false } },
});
const DOC = new URL('../../../docs/guarantees.md', import.meta.url);
const BEGIN = '<!-- clock-rate-table:begin -->';
const END = '<!-- clock-rate-table:end -->';
const RATIOS = [1.2, 1.5, 2, 3];
const RATES = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5];

const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const started = Date.now();
const rows: ClockRatePoint[][] = [];
for (const ratio of RATIOS) {
  const row: ClockRatePoint[] = [];
  for (const rate of RATES) row.push(await clockRatePoint(ratio, rate, seeds));
  rows.push(row);
  console.log(`ratio ${ratio}: ${row.map((p) => `${p.rate}:${p.violating}`).join(' ')}`);
}
const cell = (p: ClockRatePoint) => `${p.violating}${p.insideBound ? '' : ' \\*'}`;
const firstViolating = (row: ClockRatePoint[]) => row.find((p) => p.violating > 0)?.rate;
const table = [
  `| L / D | bound on r | ${RATES.map((r) => `r = ${r}`).join(' | ')} | violations from |`,
  `| --- | ---: | ${RATES.map(() => '---:').join(' | ')} | ---: |`,
  ...rows.map((row) => {
    const ratio = row[0]!.ratio;
    const from = firstViolating(row);
    return `| ${ratio} | ${clockRateBound(ratio).toFixed(3)} | ${row.map(cell).join(' | ')} | ${from === undefined ? 'none' : `r = ${from}`} |`;
  }),
].join('\n');
const inside = rows.flat().filter((p) => p.insideBound);
const text = [
  BEGIN,
  `Clusters (of ${seeds.length} per cell, seeds 1..${seeds.length}) that broke an invariant; \\* marks a rate error`,
  `outside the documented bound (1 + r) / (1 - r) < L / D. Inside it: ${inside.reduce((n, p) => n + p.violating, 0)} of ${inside.length * seeds.length} clusters.`,
  `Every violation seen was ${[...new Set(rows.flat().flatMap((p) => p.invariants))].join(', ') || 'none'}.`,
  `(\`node --conditions=source packages/testkit/scripts/clock-rate-table.ts --seeds ${seeds.length}\`,`,
  `${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s on a shared 2-core machine.)`,
  '',
  table,
  END,
].join('\n');
console.log(text);
if (!values['no-write']) {
  const doc = readFileSync(DOC, 'utf8');
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < 0) throw new Error(`docs/guarantees.md has no ${BEGIN} ... ${END} markers`);
  writeFileSync(DOC, `${doc.slice(0, begin)}${text}${doc.slice(end + END.length)}`);
}
