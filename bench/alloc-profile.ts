/**
 * Where a process's allocations go, garbage included: a preload (`node --import ./bench/alloc-profile.ts
 * ...`) that runs V8's sampling heap profiler over a window of the process's life, counting the objects the
 * collections freed too (`includeObjectsCollectedByMinorGC/MajorGC`; `node --heap-prof` keeps only what is
 * still live at exit, which leaves out the garbage, the very thing measured here). At the end of the window
 * it prints the sampled bytes grouped three ways: by the innermost frame of the repository's own code
 * (packages/, bench/) on the allocating stack, by the allocating function itself, and by that function
 * with its three callers.
 *
 *   ALLOC_PROFILE_START=40 ALLOC_PROFILE_SECONDS=30 node --import ./bench/alloc-profile.ts \
 *     --conditions=source --expose-gc bench/scale.ts --kind memory --elections 1000 --seconds 30 --warmup 10
 *
 * ALLOC_PROFILE_START: seconds after start (default 40: after scale.ts's warm-up and its 10 s settling);
 * ALLOC_PROFILE_SECONDS: the window (default 20); ALLOC_PROFILE_INTERVAL: mean bytes between samples
 * (default 8192); ALLOC_PROFILE_TOP: rows per table (default 25). The profile goes to stderr.
 */
import { Session } from 'node:inspector/promises';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const start = env('ALLOC_PROFILE_START', 40);
const seconds = env('ALLOC_PROFILE_SECONDS', 20);
const interval = env('ALLOC_PROFILE_INTERVAL', 8192);
const top = env('ALLOC_PROFILE_TOP', 25);

const session = new Session();
session.connect();

/** `file:line function` of a frame, the file relative to the repository. */
function nameOf(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*?\/(packages|bench)\//, '$1/');
  return `${file || '(native)'}:${frame.lineNumber + 1} ${frame.functionName || '(anonymous)'}`;
}

const ours = (frame: CallFrame) =>
  /\/(packages\/[^/]+|bench)\//.test(frame.url) && !frame.url.includes('node_modules');

interface Tables {
  readonly byOwn: Map<string, number>;
  readonly byLeaf: Map<string, number>;
  readonly byStack: Map<string, number>;
}

const add = (map: Map<string, number>, key: string, bytes: number) =>
  map.set(key, (map.get(key) ?? 0) + bytes);

function walk(node: ProfileNode, own: string, callers: readonly string[], tables: Tables): number {
  const here = ours(node.callFrame) ? nameOf(node.callFrame) : own;
  const leaf = nameOf(node.callFrame);
  let total = node.selfSize;
  if (node.selfSize > 0) {
    add(tables.byOwn, here, node.selfSize);
    add(tables.byLeaf, leaf, node.selfSize);
    add(tables.byStack, [leaf, ...callers.slice(-3).reverse()].join(' < '), node.selfSize);
  }
  for (const child of node.children) total += walk(child, here, [...callers, leaf], tables);
  return total;
}

function table(title: string, rows: Map<string, number>, total: number): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = sorted.map(
    ([name, bytes]) =>
      `| ${((100 * bytes) / total).toFixed(1)}% | ${(bytes / 2 ** 20).toFixed(1)} | ${name} |`,
  );
  return [`\n${title}`, '| share | MiB | frame |', '| ---: | ---: | --- |', ...lines].join('\n');
}

setTimeout(async () => {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: interval,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  setTimeout(async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: ProfileNode };
    };
    const tables: Tables = { byOwn: new Map(), byLeaf: new Map(), byStack: new Map() };
    const total = walk(profile.head, '(outside the repository)', [], tables);
    console.error(`alloc-profile: ${(total / 2 ** 20).toFixed(1)} MiB sampled over ${seconds} s`);
    console.error(table('by the innermost frame of the repository', tables.byOwn, total));
    console.error(table('by the allocating function', tables.byLeaf, total));
    console.error(table('by the allocating function and its three callers', tables.byStack, total));
  }, seconds * 1000).unref();
}, start * 1000).unref();
