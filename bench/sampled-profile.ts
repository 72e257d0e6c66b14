/**
 * The sampling heap profiler over one window of a process's life, printed grouped three ways: by the
 * innermost frame of the repository's own code (packages/, bench/) on the allocating stack, by the
 * allocating function itself, and by that function with its three callers. Shared by the preloads
 * bench/alloc-profile.ts (every allocation, garbage included) and bench/core-survivors.ts (only what is
 * still live when the window closes).
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

function table(title: string, rows: Map<string, number>, total: number, top: number): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = sorted.map(
    ([name, bytes]) =>
      `| ${((100 * bytes) / total).toFixed(1)}% | ${(bytes / 2 ** 20).toFixed(1)} | ${name} |`,
  );
  return [`\n${title}`, '| share | MiB | frame |', '| ---: | ---: | --- |', ...lines].join('\n');
}

export interface ProfileWindow {
  /** Names the printed profile. */
  readonly label: string;
  /** Seconds after start when sampling starts, and how long it runs. */
  readonly start: number;
  readonly seconds: number;
  /** Mean bytes between samples. */
  readonly interval: number;
  /** Rows per table. */
  readonly top: number;
  /** Whether objects the collections freed count (the garbage), or only those live at the window's end. */
  readonly collected: boolean;
  /** The line above the tables, given the sampled bytes in MiB. */
  readonly summary: (mib: string) => string;
}

/** Samples over `w`'s window and prints the tables to stderr; the process is not kept alive for it. */
export function profileWindow(w: ProfileWindow): void {
  const session = new Session();
  session.connect();
  setTimeout(async () => {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: w.interval,
      includeObjectsCollectedByMajorGC: w.collected,
      includeObjectsCollectedByMinorGC: w.collected,
    });
    setTimeout(async () => {
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
        profile: { head: ProfileNode };
      };
      const tables: Tables = { byOwn: new Map(), byLeaf: new Map(), byStack: new Map() };
      const total = walk(profile.head, '(outside the repository)', [], tables);
      console.error(`${w.label}: ${w.summary((total / 2 ** 20).toFixed(1))}`);
      console.error(table('by the innermost frame of the repository', tables.byOwn, total, w.top));
      console.error(table('by the allocating function', tables.byLeaf, total, w.top));
      console.error(table('by the allocating function and its three callers', tables.byStack, total, w.top));
    }, w.seconds * 1000).unref();
  }, w.start * 1000).unref();
}
