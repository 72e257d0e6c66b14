/**
 * Measures the bug zoo's catch rates at `leasehold check`'s default settings (`verifyBackend`: conformance,
 * 10 concurrent workloads, 100 simulated clusters, faults inside the lock) over sequence seeds 1..N, and
 * writes the table into docs/model-checking.md between the `zoo-table` marker comments.
 *
 *   node --conditions=source packages/testkit/scripts/zoo-table.ts [--seeds 100] [--safe-seeds 10]
 *
 * To spread the work over processes: `--only a,b --save rows-1.json` in each (saved after every backend),
 * then `--merge rows-*.json` writes the table from the saved rows.
 *
 * A bug counts as caught in a seed when the verdict is FAIL; the columns say which parts found it (a seed
 * can count in several) and the latest workload or cluster that was first to catch it. A safe backend must
 * never get FAIL and must get its listed verdict (PASS, or WARN); UNKNOWN (a history the checker could not
 * judge within its budget) is counted separately.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { verifyBackend } from '../src/index.ts';
import { zoo } from '../test/zoo/index.ts';

const { values, positionals } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    /** The first sequence seed (default 1): a long row can be split over processes by seed range. */
    from: { type: 'string', default: '1' },
    'safe-seeds': { type: 'string', default: '10' },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
    save: { type: 'string' },
    merge: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const DOC = new URL('../../../docs/model-checking.md', import.meta.url);
const BEGIN = '<!-- zoo-table:begin -->';
const END = '<!-- zoo-table:end -->';

interface Row {
  name: string;
  kind: 'bug' | 'safe';
  what: string;
  seeds: number;
  fail: number;
  warn: number;
  unknown: number;
  /** The latest workload (1-based) that first caught it, over the seeds the workloads caught it in. */
  latestWorkload: number;
  /** The latest cluster that first caught it, over the seeds the clusters caught it in. */
  latestCluster: number;
  conformance: number;
  workloads: number;
  simLinearizability: number;
  simElection: number;
  invariants: string[];
  seconds: number;
}

/** Runs `tasks` with at most `n` at once (the conformance checks wait in real time; the rest is CPU). */
async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** Rows of one backend from several processes (seed ranges split with `--from`) as one row. */
function combine(saved: Row[]): Row[] {
  const byName = new Map<string, Row>();
  for (const row of saved) {
    const seen = byName.get(row.name);
    if (!seen) {
      byName.set(row.name, { ...row, invariants: [...row.invariants] });
      continue;
    }
    for (const key of [
      'seeds',
      'fail',
      'warn',
      'unknown',
      'conformance',
      'workloads',
      'simLinearizability',
      'simElection',
    ] as const)
      seen[key] += row[key];
    for (const key of ['latestWorkload', 'latestCluster', 'seconds'] as const)
      seen[key] = Math.max(seen[key], row[key]);
    for (const x of row.invariants) if (!seen.invariants.includes(x)) seen.invariants.push(x);
  }
  return [...byName.values()];
}

const only = values.only?.split(',');
const rows: Row[] = values.merge
  ? combine(positionals.flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as Row[]))
  : [];
for (const entry of values.merge ? [] : zoo) {
  if (only && !only.includes(entry.name)) continue;
  const backend = await entry.load();
  const seeds = Number(entry.kind === 'bug' ? values.seeds : values['safe-seeds']);
  const row: Row = {
    name: entry.name,
    kind: entry.kind,
    what: entry.what,
    seeds,
    fail: 0,
    warn: 0,
    unknown: 0,
    latestWorkload: 0,
    latestCluster: 0,
    conformance: 0,
    workloads: 0,
    simLinearizability: 0,
    simElection: 0,
    invariants: [],
    seconds: 0,
  };
  const started = Date.now();
  const tasks = Array.from({ length: seeds }, (_, i) => async () => {
    const seed = Number(values.from) + i;
    const v = await verifyBackend(backend, { seed });
    if (v.verdict === 'FAIL') row.fail += 1;
    if (v.verdict === 'UNKNOWN') row.unknown += 1;
    if (v.verdict === 'WARN') row.warn += 1;
    if (v.conformance.failures.length > 0) row.conformance += 1;
    if (v.workloads.violation) {
      row.workloads += 1;
      row.latestWorkload = Math.max(row.latestWorkload, v.workloads.runs);
    }
    if (v.simulation.failure) row.latestCluster = Math.max(row.latestCluster, v.simulation.runs);
    const found = v.simulation.failure?.violations.map((x) => x.invariant) ?? [];
    if (found.includes('linearizability')) row.simLinearizability += 1;
    if (found.some((x) => x !== 'linearizability')) row.simElection += 1;
    for (const x of found) if (!row.invariants.includes(x)) row.invariants.push(x);
    if (entry.kind === 'safe' && v.verdict !== entry.expect)
      process.stderr.write(`  ${entry.name} seed ${seed}: ${v.verdict}\n`);
  });
  await pool(tasks, Number(values.concurrency));
  row.seconds = Math.round((Date.now() - started) / 1000);
  rows.push(row);
  // Saved after each backend, so that a long run stopped part-way keeps what it measured.
  if (values.save) writeFileSync(values.save, JSON.stringify(rows));
  process.stderr.write(
    `${row.kind} ${row.name}: FAIL in ${row.fail}/${row.seeds}, WARN in ${row.warn} (latest first catch: workload ${row.latestWorkload}, cluster ${row.latestCluster}; ${row.invariants.join(', ') || 'no invariants'}; conformance ${row.conformance}, workloads ${row.workloads}, simulation ${row.simLinearizability} linearizability / ${row.simElection} election) ${row.seconds}s\n`,
  );
}

if (values.save) writeFileSync(values.save, JSON.stringify(rows));
// The zoo's order, whatever order the rows came in.
rows.sort((a, b) => zoo.findIndex((z) => z.name === a.name) - zoo.findIndex((z) => z.name === b.name));
const table = [
  '| backend | what it does | verdict FAIL (seeds) | WARN | conformance | linearizability: workloads (latest first catch) | linearizability: clusters (latest first catch) | election invariants: clusters |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const election = r.invariants.filter((x) => x !== 'linearizability');
    const unknown = r.unknown > 0 ? ` (${r.unknown} UNKNOWN)` : '';
    const latest = (n: number) => (n > 0 ? ` (${n})` : '');
    return `| ${r.kind === 'bug' ? 'bug' : 'safe'}: \`${r.name}\` | ${r.what} | **${r.fail}/${r.seeds}**${unknown} | ${r.warn} | ${r.conformance} | ${r.workloads}${latest(r.latestWorkload)} | ${r.simLinearizability}${latest(r.latestCluster)} | ${r.simElection}${election.length ? ` (${election.join(', ')})` : ''} |`;
  }),
].join('\n');
console.log(table);
if (!values['no-write'] && !only && !values.save) {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/model-checking.md has no ${BEGIN} ... ${END} markers`);
  writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
  console.error('wrote docs/model-checking.md');
}
