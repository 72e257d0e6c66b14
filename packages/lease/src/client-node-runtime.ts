/**
 * Refuses, when `@leasehold/lease` is imported, a Node that the installed `@kubernetes/client-node` cannot
 * run on, before client-node itself is evaluated. client-node 2 depends on undici 8, which needs Node >=
 * 22.19 (its `engines`); npm installs both on Node 20 all the same (its `EBADENGINE` is only a warning), and
 * evaluating undici there dies with `TypeError: Cannot read properties of undefined (reading 'bind')` (its
 * `lib/interceptor/decompress.js` binds zlib's `createZstdDecompress`, which older Node lacks): a message
 * that names neither package nor what to do.
 *
 * So this module is the first that index.ts imports: ESM evaluates a module's imports in order, and this one
 * reads client-node's package.json and `process.versions` without importing client-node, so it throws before
 * undici runs. A program that imports `@kubernetes/client-node` itself before `@leasehold/lease` meets
 * undici's TypeError first: nothing of this package has run by then; so does a bundle (the package declares
 * no side effects, so a bundler may drop this import, and an external client-node's import is hoisted above
 * it; inside a bundle client-node's package.json is seldom there to read). Bun and Deno bring their own Node API
 * and run undici 8 whatever Node version they report, so only Node is refused.
 */
import { createRequire } from 'node:module';
import process from 'node:process';

/** The `@kubernetes/client-node` found cannot serve the Kubernetes locks; the message says which and why. */
export class UnsupportedClientNodeError extends Error {
  /** Always `UnsupportedClientNodeError`. */
  override readonly name = 'UnsupportedClientNodeError';
  /** The version this package imports, or `unknown` when its package.json cannot be read (a bundle). */
  readonly version: string;
  constructor(message: string, version: string) {
    super(message);
    this.version = version;
  }
}

/** The `@kubernetes/client-node` this package resolves: its version and ` at PATH`, else `unknown` and ``. */
export function clientNodeVersion(): { version: string; where: string } {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@kubernetes/client-node/package.json');
    const version = (require(path) as { version?: unknown }).version;
    return { version: typeof version === 'string' ? version : 'unknown', where: ` at ${path}` };
  } catch {
    return { version: 'unknown', where: '' };
  }
}

/** The Node that client-node 2 needs: the `engines` of its undici 8. */
const NODE_FOR_CLIENT_NODE_2 = [22, 19, 0] as const;
/**
 * Node 23 passes that floor but gained zlib's zstd, which undici 8 binds when it is evaluated, only in 23.8
 * (22.x in 22.15): 23.0-23.7 die the same way.
 */
const NODE_23_FOR_CLIENT_NODE_2 = [23, 8, 0] as const;

/** Whether Node version `version` (`20.20.2`) is older than `floor`. */
function olderThan(version: string, floor: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < floor.length; i++) {
    const part = parts[i] ?? 0;
    const bound = floor[i] ?? 0;
    if (part !== bound) return part < bound;
  }
  return false;
}

/**
 * Why client-node `clientNode` (a version, or `unknown`; found `where`, e.g. ` at PATH`) cannot run on the
 * runtime `versions` describes (`process.versions`), or `null` when nothing is known against it: the
 * error's message after its `@leasehold/lease: `.
 */
export function clientNodeRuntimeProblem(
  clientNode: string,
  versions: Readonly<Record<string, string | undefined>>,
  where = '',
): string | null {
  const major = Number(clientNode.split('.')[0]);
  if (!(major >= 2)) return null; // 1.x runs on Node 20; `unknown` (a bundle) claims nothing
  if (versions.bun !== undefined || versions.deno !== undefined) return null;
  const node = versions.node;
  if (node === undefined) return null;
  const node23 = node.startsWith('23.');
  if (!olderThan(node, node23 ? NODE_23_FOR_CLIENT_NODE_2 : NODE_FOR_CLIENT_NODE_2)) return null;
  return (
    `@kubernetes/client-node ${clientNode}${where && ` (${where.trim()})`} cannot run on Node ${node}: ` +
    `client-node 2 needs Node >= 22.19${node23 ? ' (on Node 23, >= 23.8)' : ''} ` +
    '(its undici 8); install @kubernetes/client-node@^1.4 or use Node >= 22.19'
  );
}

const found = clientNodeVersion();
const problem = clientNodeRuntimeProblem(found.version, process.versions, found.where);
if (problem !== null) throw new UnsupportedClientNodeError(`@leasehold/lease: ${problem}`, found.version);
