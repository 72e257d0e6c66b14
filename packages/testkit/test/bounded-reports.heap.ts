/**
 * Run by bounded-reports.test.ts as its own process (`node --expose-gc --conditions=source`), so the heap
 * is measured with a forced collection before and after: a waiting candidate reads a memory lock rewritten
 * `VALUES` times in a row with a new malformed value each time (up to 200 KB each, five shapes: an oversized
 * time, a bad time within the size limit, a nested value beyond the size limit and one within it, a term
 * past int32), one
 * read per value, every `INTERVAL_MS` of a manual clock. Prints one JSON line of what it measured; the
 * test asserts the bounds.
 */
import { RepeatedFailure } from '@leasehold/core';
import { ManualClock } from '@leasehold/core/internal';
import { MemoryLockStore } from '@leasehold/memory';
import { advance } from '../src/time.ts';
import { memoryElection } from './memory-election.ts';

const VALUES = Number(process.argv[2] ?? 500);
const INTERVAL_MS = Number(process.argv[3] ?? 20);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc: the heap cannot be measured without it');

/** The i-th bad value: distinct every time, in one of `SHAPES` shapes. */
const SHAPES = 5;
function badValue(i: number): string {
  const tag = `${i}-${Math.random().toString(36).slice(2)}`;
  switch (i % SHAPES) {
    case 0: // 200 KB: over the record size limit
      return `{"holderIdentity":"x","leaseDurationSeconds":15,"renewTime":"${tag}${'r'.repeat(200_000)}"}`;
    case 1: // a bad time of 6 KB: within the limit, quoted in the message
      return `{"holderIdentity":"x","leaseDurationSeconds":15,"renewTime":"${tag}${'t'.repeat(6_000)}"}`;
    case 2: // nested 100,000 deep (200 KB): JSON.stringify of it throws RangeError
      return `{"leaderTransitions":${'['.repeat(100_000)}"${tag}"${']'.repeat(100_000)}}`;
    case 3: // nested 4,000 deep: within the size limit, so parsed, and quoted by its type only
      return `{"leaderTransitions":${'['.repeat(4_000)}"${tag}"${']'.repeat(4_000)}}`;
    default: // a term past int32, different every time
      return `{"holderIdentity":"x","leaseDurationSeconds":15,"leaderTransitions":${2 ** 31 + i}}`;
  }
}

const clock = new ManualClock();
const store = new MemoryLockStore({ clock });
const reports: unknown[] = [];
const contexts: string[] = [];
const election = memoryElection(store, clock, 'waiting', {
  seed: 1,
  onError: (error, context) => {
    reports.push(error);
    contexts.push(context);
  },
});

store.corrupt('app', badValue(0));
void election.acquire();
await advance(clock, INTERVAL_MS);

async function writeAndRead(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    store.corrupt('app', badValue(i));
    await election.tryAcquireOrRenew(); // one read of this value
    await advance(clock, INTERVAL_MS);
  }
}

// Warm up (code paths compiled, the first report of each shape made), then measure the rest.
const WARM = 20;
await writeAndRead(1, WARM);
gc();
const before = process.memoryUsage().heapUsed;
const readsBefore = store.counts.get;
await writeAndRead(WARM, VALUES);
gc();
const after = process.memoryUsage().heapUsed;

const messages = reports.flatMap((r) => {
  const own = r instanceof Error ? r.message : String(r);
  const cause = r instanceof Error && r.cause instanceof Error ? [r.cause.message] : [];
  return [own, ...cause];
});
console.log(
  JSON.stringify({
    values: VALUES,
    shapes: SHAPES,
    intervalMs: INTERVAL_MS,
    reads: store.counts.get,
    readsMeasured: store.counts.get - readsBefore,
    reports: reports.length,
    counted: reports.reduce((n: number, r) => n + (r instanceof RepeatedFailure ? r.count : 0), 0),
    kinds: reports.map((r) => (r instanceof Error ? r.name : typeof r)),
    contexts: [...new Set(contexts)],
    longestMessage: Math.max(...messages.map((m) => m.length)),
    firstMessages: messages.slice(0, 8).map((m) => m.slice(0, 300)),
    heapGrowthBytes: after - before,
    state: election.state,
  }),
);
await election.stop();
