/**
 * Groups a sampling heap profile (bench/alloc-sampling.ts) by where the bytes were allocated: by package
 * (the allocating function's file: node_modules/<package>, the repository's own packages, Node's internals,
 * V8's builtins), by function, and inclusively under the functions named with `--under` (every sample with
 * that function on its stack), and by stage: each sample put in the first of these whose frame is on its
 * stack: client-node's authentication, the watch (client-node's watch.js, the lease package's shared-watch
 * and watch-stream), the lock's request (kube-requests.ts `send`), undici from the event loop (answers,
 * the watch's fetch body), Node's HTTP/2 (the answers' processing, which runs from the event loop, not under
 * `send`), the core (packages/core, XState), the lease package, the rest. With `--per N` the sizes are also divided by N (the renewals of the window).
 *
 *   node bench/alloc-breakdown.ts FILE.heapprofile [--per RENEWALS] [--top 25] [--under send,parse]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Frame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly callFrame: Frame;
  readonly selfSize: number;
  readonly id: number;
  readonly children: ProfileNode[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    per: { type: 'string' },
    top: { type: 'string', default: '25' },
    under: { type: 'string', default: '' },
  },
});
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as {
  head: ProfileNode;
  samples: { size: number; nodeId: number }[];
};
const per = values.per ? Number(values.per) : undefined;
const under = values.under ? values.under.split(',') : [];

/** The package a frame's file belongs to. */
function packageOf(url: string): string {
  if (url === '') return '(V8 builtins, native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const own = /\/(packages|bench|tools)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

// The profile's samples give the real totals per node (selfSize is samples x interval, the same thing).
const sizeOf = new Map<number, number>();
for (const s of profile.samples) sizeOf.set(s.nodeId, (sizeOf.get(s.nodeId) ?? 0) + s.size);

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const byStage = new Map<string, number>();
const STAGES: [string, (f: Frame) => boolean][] = [
  [
    'authentication (client-node applySecurityAuthentication)',
    (f) => f.functionName === 'applySecurityAuthentication',
  ],
  [
    'watch (client-node watch.js, shared-watch.ts, watch-stream.ts)',
    (f) => /client-node\/dist\/watch|lease\/src\/(shared-watch|watch-stream)/.test(f.url),
  ],
  [
    'lock request (kube-requests.ts send and what it calls)',
    (f) => f.functionName === 'send' && f.url.includes('kube-requests'),
  ],
  ["undici, from the event loop (answers, the watch's fetch body)", (f) => f.url.includes('/undici/')],
  ['HTTP/2 (node:internal/http2, from the event loop)', (f) => f.url.includes('http2')],
  ['core (packages/core, xstate)', (f) => /packages\/core\/|\/xstate\//.test(f.url)],
  ['lease package, other', (f) => f.url.includes('packages/lease/')],
];
/** The stage of a sample whose stack (root first) is `frames`. */
function stageOf(frames: readonly Frame[]): string {
  for (const [stage, match] of STAGES) if (frames.some(match)) return stage;
  return 'other (Node, V8)';
}
const underTotals = new Map<string, number>(under.map((u) => [u, 0]));
let total = 0;
function walk(node: ProfileNode, stack: string[], frames: Frame[] = []): void {
  const f = node.callFrame;
  const framesHere = [...frames, f];
  const name = `${f.functionName || '(anonymous)'} ${packageOf(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  const here = [...stack, f.functionName];
  const size = sizeOf.get(node.id) ?? 0;
  if (size > 0) {
    total += size;
    byPackage.set(packageOf(f.url), (byPackage.get(packageOf(f.url)) ?? 0) + size);
    byFunction.set(name, (byFunction.get(name) ?? 0) + size);
    for (const u of under) if (here.includes(u)) underTotals.set(u, underTotals.get(u)! + size);
    const stage = stageOf(framesHere);
    byStage.set(stage, (byStage.get(stage) ?? 0) + size);
  }
  for (const child of node.children) walk(child, here, framesHere);
}
walk(profile.head, []);

const show = (bytes: number) =>
  `${(bytes / 2 ** 20).toFixed(1).padStart(8)} MiB ${((100 * bytes) / total).toFixed(1).padStart(5)}%` +
  (per ? ` ${(bytes / per / 1024).toFixed(2).padStart(7)} KiB/renewal` : '');
const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

console.log(`total sampled ${show(total)}`);
console.log('\nby stage (first match on the stack, in this order):');
for (const [name] of [...STAGES, ['other (Node, V8)']])
  console.log(`${show(byStage.get(name as string) ?? 0)}  ${name}`);
console.log('\nby package (allocating function):');
for (const [name, bytes] of top(byPackage, 40)) console.log(`${show(bytes)}  ${name}`);
console.log('\nby function (self):');
for (const [name, bytes] of top(byFunction, Number(values.top))) console.log(`${show(bytes)}  ${name}`);
if (under.length) {
  console.log('\nunder (inclusive: the function anywhere on the stack):');
  for (const [name, bytes] of underTotals) console.log(`${show(bytes)}  ${name}`);
}
