/**
 * What loading a module costs a fresh Node process: RSS and used heap after a full collection, each case in
 * its own process (`--expose-gc`), `--runs` times, the median printed. Run without `--conditions=source`, so
 * the Leasehold packages load from their compiled `dist` (build them first: `pnpm -r build`).
 *
 *   node bench/import-cost.ts [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

const CASES: Record<string, string | null> = {
  'bare node': null,
  '@leasehold/core': '@leasehold/core',
  '@kubernetes/client-node': '@kubernetes/client-node',
  '@kubernetes/client-node/dist/config.js': '@kubernetes/client-node/dist/config.js',
  '@leasehold/lease': '@leasehold/lease',
};

/** The child: imports `specifier` (if any), collects, and prints its RSS and used heap. */
const CHILD = `
const specifier = process.argv[1];
if (specifier) await import(specifier);
await new Promise((resolve) => setTimeout(resolve, 50));
globalThis.gc();
const { rss, heapUsed } = process.memoryUsage();
console.log(JSON.stringify({ rss, heapUsed }));
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

for (const [label, specifier] of Object.entries(CASES)) {
  const samples: { rss: number; heapUsed: number }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', CHILD, specifier ?? ''],
      { cwd: import.meta.dirname, encoding: 'utf8' },
    );
    samples.push(JSON.parse(out.trim().split('\n').at(-1)!));
  }
  console.log(
    JSON.stringify({
      import: label,
      runs,
      rssMiB: mib(median(samples.map((s) => s.rss))),
      heapUsedMiB: mib(median(samples.map((s) => s.heapUsed))),
    }),
  );
}
