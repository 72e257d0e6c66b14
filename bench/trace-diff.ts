/**
 * Summarises two `trace-compare.ts` files seed by seed (issue 25, phase): how many runs differ, what the
 * first differing step of each changes (an effect's field, by path), the requests each sent, and the
 * single-leader and token-order checks on each run's leader intervals.
 *
 *   node --conditions=source bench/trace-diff.ts /tmp/phase-before.txt /tmp/phase-after.txt
 */
import { readFileSync } from 'node:fs';
import { checkSingleLeader, checkTokenOrder, type RunResult } from '@leasehold/testkit';

interface Run {
  readonly steps: string[];
  intervals: RunResult['intervals'];
  requests: number;
}

function parse(path: string): Map<number, Run> {
  const runs = new Map<number, Run>();
  let current: Run | null = null;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('seed ')) {
      current = { steps: [], intervals: [], requests: 0 };
      runs.set(Number(line.slice(5)), current);
    } else if (current === null || line === '') {
    } else if (line.startsWith('intervals ')) current.intervals = JSON.parse(line.slice(10));
    else if (line.startsWith('stats ')) {
      const { get, create, update } = JSON.parse(line.slice(6)).requests;
      current.requests = get + create + update;
    } else current.steps.push(line);
  }
  return runs;
}

/** The paths (dot-joined) at which two JSON values differ. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else if (a !== b) out.push(path);
}

const [beforePath, afterPath] = process.argv.slice(2);
const before = parse(beforePath!);
const after = parse(afterPath!);
let differing = 0;
let requestsBefore = 0;
let requestsAfter = 0;
let violationsBefore = 0;
let violationsAfter = 0;
const firstChange = new Map<string, number>();
for (const [seed, a] of before) {
  const b = after.get(seed)!;
  requestsBefore += a.requests;
  requestsAfter += b.requests;
  const check = (r: Run) => {
    const run = { intervals: r.intervals } as unknown as RunResult;
    return checkSingleLeader(run).length + checkTokenOrder(run).length;
  };
  violationsBefore += check(a);
  violationsAfter += check(b);
  const i = a.steps.findIndex((line, k) => line !== b.steps[k]);
  if (i < 0 && a.steps.length === b.steps.length) continue;
  differing += 1;
  const x = JSON.parse(a.steps[i] ?? 'null');
  const y = JSON.parse(b.steps[i] ?? 'null');
  const paths: string[] = [];
  differences(x, y, '', paths);
  // Name the change by the input, and for an effect by its type and timer: `TIMER_FIRED(renew) -> [3].ms
  // startTimer renew`.
  const label = paths
    .map((p) => {
      const m = /^\.5\.(\d+)\.(\w+)$/.exec(p);
      const effect = m ? x?.[5]?.[Number(m[1])] : undefined;
      return effect ? `${effect.type} ${effect.timer ?? effect.event ?? ''} .${m![2]}` : p;
    })
    .join(', ');
  const input = x?.[2] ? `${x[2].type}${x[2].timer ? `(${x[2].timer})` : ''} in ${x[3]}` : '(end)';
  const key = `${input}: ${label}`;
  firstChange.set(key, (firstChange.get(key) ?? 0) + 1);
}
console.log(`runs ${before.size}, differing ${differing}`);
console.log(`requests before ${requestsBefore}, after ${requestsAfter}`);
console.log(`single-leader and token-order violations before ${violationsBefore}, after ${violationsAfter}`);
console.log('first differing step of each differing run (input in state: what changed):');
for (const [key, n] of [...firstChange].sort((p, q) => q[1] - p[1])) console.log(`  ${n}  ${key}`);
