/**
 * What a process's allocations leave live: a preload (`node --import ./bench/core-survivors.ts ...`) that
 * runs V8's sampling heap profiler over a window and keeps only the sampled objects still live when the
 * window closes (`includeObjectsCollectedByMinorGC/MajorGC` false). Over a window longer than a renewal,
 * that is what each renewal allocates and keeps until the next one replaces it: the bytes that survive
 * scavenges, which make V8 grow its young generation (bench/alloc-profile.ts counts the garbage instead).
 * Printed as bench/alloc-profile.ts prints: by the innermost frame of the repository, by the allocating
 * function, and by that function with its three callers.
 *
 *   SURVIVORS_START=40 SURVIVORS_SECONDS=6 node --import ./bench/core-survivors.ts \
 *     --conditions=source --expose-gc bench/scale.ts --kind memory --elections 1000 --seconds 30 --warmup 10
 *
 * SURVIVORS_START: seconds after start (default 40); SURVIVORS_SECONDS: the window (default 6: three
 * renewal periods of client-go's timings); SURVIVORS_INTERVAL: mean bytes between samples (default 1024);
 * SURVIVORS_TOP: rows per table (default 25). The profile goes to stderr.
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
const start = env('SURVIVORS_START', 40);
const seconds = env('SURVIVORS_SECONDS', 6);
const interval = env('SURVIVORS_INTERVAL', 1024);
const top = env('SURVIVORS_TOP', 25);

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
    includeObjectsCollectedByMajorGC: false,
    includeObjectsCollectedByMinorGC: false,
  });
  setTimeout(async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: ProfileNode };
    };
    const tables: Tables = { byOwn: new Map(), byLeaf: new Map(), byStack: new Map() };
    const total = walk(profile.head, '(outside the repository)', [], tables);
    console.error(
      `core-survivors: ${(total / 2 ** 20).toFixed(1)} MiB sampled, allocated in the last ${seconds} s and live at its end`,
    );
    console.error(table('by the innermost frame of the repository', tables.byOwn, total));
    console.error(table('by the allocating function', tables.byLeaf, total));
    console.error(table('by the allocating function and its three callers', tables.byStack, total));
  }, seconds * 1000).unref();
}, start * 1000).unref();
