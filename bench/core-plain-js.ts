/**
 * Runs a benchmark as plain JavaScript, to measure a process without Node's TypeScript loader: Node strips
 * the types of a `.ts` file it runs with amaro, a WebAssembly build of swc whose memory stays for the life of
 * the process (a bare process running an empty `.ts` file: RSS 59 MiB against 44 for the same `.mjs`, 10.4
 * MiB external against 1.5). An application running the compiled packages does not pay that; bench/scale.ts,
 * run as TypeScript, does. This strips FILE and the `./*.ts` files it imports from bench/ into
 * `bench/dist/plain-js/` (ignored, beside bench/node_modules so the packages resolve to their compiled
 * `dist`), then runs `node --expose-gc` on the stripped FILE with the remaining arguments.
 *
 *   node bench/core-plain-js.ts scale.ts --kind memory --elections 1000 --seconds 30 --warmup 10
 *
 * Build the packages first (`pnpm -r build`). Only static imports of sibling files are rewritten; a bench
 * file that imports others dynamically (scale.ts's `--compare`, client-node's control plane) still loads them
 * as TypeScript on that path, which a memory-lock run never takes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';

const [file, ...args] = process.argv.slice(2);
if (!file?.endsWith('.ts')) {
  console.error('usage: node bench/core-plain-js.ts FILE.ts [args...]   (FILE in bench/)');
  process.exit(2);
}
const bench = import.meta.dirname;
const out = join(bench, 'dist', 'plain-js');
mkdirSync(out, { recursive: true });

const SIBLING = /from '\.\/([\w-]+)\.ts'/g;
const done = new Set<string>();
function strip(name: string): void {
  if (done.has(name)) return;
  done.add(name);
  const source = readFileSync(join(bench, name), 'utf8');
  const siblings = [...source.matchAll(SIBLING)].map((m) => `${m[1]}.ts`);
  const js = stripTypeScriptTypes(source).replace(SIBLING, "from './$1.mjs'");
  writeFileSync(join(out, name.replace(/\.ts$/, '.mjs')), js);
  for (const sibling of siblings) strip(sibling);
}
strip(file);

const result = spawnSync(
  process.execPath,
  ['--expose-gc', '--disable-warning=ExperimentalWarning', join(out, file.replace(/\.ts$/, '.mjs')), ...args],
  { stdio: 'inherit', cwd: bench },
);
process.exit(result.status ?? 1);
