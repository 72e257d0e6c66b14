/**
 * The README's runtime table holds only what the consumer test runs: each cell names a run in
 * tools/consumer/runtimes.ts (`MEMORY_RUNTIMES`, `KUBE_CELLS`) and says its outcome ("yes" for a run that
 * works, "no: ..." for one shown failing), a cell with no run says "not tested", and each runtime's version
 * is the one the test installs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KUBE_CELLS, MEMORY_RUNTIMES, RUNTIMES, type RuntimeName } from '../../tools/consumer/runtimes.ts';

const MARKER = '<!-- runtime table';
const COLUMNS = [
  { header: 'core + memory (+ testkit)', project: null, kind: null },
  { header: 'Lease, client-node 2.0.1', project: 'client-node-2', kind: 'lease' },
  { header: 'ConfigMap, client-node 2.0.1', project: 'client-node-2', kind: 'configmap' },
  { header: 'Lease, client-node 1.4.0', project: 'client-node-1.4', kind: 'lease' },
  { header: 'ConfigMap, client-node 1.4.0', project: 'client-node-1.4', kind: 'configmap' },
] as const;

/** The table after the marker: rows of cells, the header row first. */
function runtimeTable(readme: string): string[][] {
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error(`README.md has no "${MARKER}" table`);
  const lines = readme.slice(at).split('\n').slice(1);
  const rows = lines.slice(
    0,
    lines.findIndex((line) => !line.startsWith('|')),
  );
  return rows
    .filter((row) => !/^\|\s*---/.test(row))
    .map((row) =>
      row
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

/** What each cell of `table` gets wrong against the runs; empty when the table is true. */
function tableProblems(table: string[][]): string[] {
  const problems: string[] = [];
  const [header, ...rows] = table;
  expect(header).toEqual(['runtime', ...COLUMNS.map((c) => c.header)]);
  const seen = new Set<RuntimeName>();
  for (const [label = '', ...cells] of rows) {
    const name = (Object.keys(RUNTIMES) as RuntimeName[]).find((n) =>
      label.startsWith(
        `${RUNTIMES[n].label} (${RUNTIMES[n].version})`.replace(/^(Bun|Deno) \((.*)\)$/, '$1 $2'),
      ),
    );
    if (name === undefined) {
      problems.push(`row "${label}" names no runtime at the version the consumer test installs`);
      continue;
    }
    seen.add(name);
    COLUMNS.forEach((column, i) => {
      const cell = cells[i] ?? '';
      const run =
        column.project === null
          ? (MEMORY_RUNTIMES as readonly string[]).includes(name)
            ? { works: true }
            : undefined
          : KUBE_CELLS.find(
              (c) => c.project === column.project && c.runtime === name && c.kind === column.kind,
            );
      const says = cell.startsWith('yes')
        ? 'yes'
        : cell.startsWith('no:')
          ? 'no'
          : cell.startsWith('not tested')
            ? 'none'
            : '?';
      const should = run === undefined ? 'none' : run.works ? 'yes' : 'no';
      if (says !== should)
        problems.push(`${label} / ${column.header}: "${cell}", but the consumer test's run says ${should}`);
    });
  }
  for (const name of Object.keys(RUNTIMES) as RuntimeName[])
    if (!seen.has(name)) problems.push(`no row for ${RUNTIMES[name].label}, which the consumer test runs`);
  return problems;
}

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

it("every cell of the README's runtime table is a run of the consumer test, with its outcome", () => {
  expect(tableProblems(runtimeTable(readme))).toEqual([]);
});

it('a cell the consumer test does not run, or a run the table leaves out, is found', () => {
  const table = runtimeTable(readme);
  // Node 22 with ConfigMap and client-node 2 is not run: claiming it fails.
  const claimed = table.map((row) => [...row]);
  const node22 = claimed.find((row) => row[0]?.startsWith('Node 22')) as string[];
  node22[3] = 'yes';
  expect(tableProblems(claimed)).toEqual([
    expect.stringMatching(/^Node 22 .* \/ ConfigMap, client-node 2\.0\.1: "yes", but .* says none$/),
  ]);
  // Node 24 with Lease and client-node 2 is run: calling it untested fails too.
  const hidden = table.map((row) => [...row]);
  (hidden.find((row) => row[0]?.startsWith('Node 24')) as string[])[2] = 'not tested';
  expect(tableProblems(hidden)).toHaveLength(1);
});
