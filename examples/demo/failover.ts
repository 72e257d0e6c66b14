/**
 * The demo: N candidates elect a leader over the in-memory lock in this one process, on the real clock with
 * short timings. The leader is killed (its requests all fail from then on, and it never releases), another
 * takes over once the lease runs out; then that leader stops gracefully and releases, and the next takes
 * over at once. Prints a timeline and exits.
 *
 *   node --conditions=source examples/demo/failover.ts [--candidates 3] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';

const { values } = parseArgs({
  options: {
    candidates: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});
const count = Number(values.candidates);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 2 || count > 9)
  throw new Error('--candidates must be an integer from 2 to 9');
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');

const TIMING = { leaseDuration: 2, renewDeadline: 1.5, retryPeriod: 0.4 };
const t0 = performance.now();
const stamp = () => `${((performance.now() - t0) / 1000).toFixed(3).padStart(7)}s`;
const log = (who: string, what: string) => console.log(`${stamp()}  ${who.padEnd(12)} ${what}`);

const dead = new Set<string>();
const store = new MemoryLockStore({
  // A killed candidate's requests never get through again, as if the process were gone.
  faults: (request) => (dead.has(request.identity) ? { fail: 'Unavailable' } : undefined),
});

const leaders = new Map<string, number>();
const candidates = Array.from({ length: count }, (_, i) => {
  const id = `candidate-${i + 1}`;
  const config = new ElectionConfig({
    lock: store.lock('demo', id),
    ...TIMING,
    seed: seed + i,
    onStartedLeading: (signal) => {
      leaders.set(id, performance.now());
      log(id, `STARTED LEADING (leaderTransitions=${store.peek('demo')?.record.leaderTransitions})`);
      signal.addEventListener('abort', () => log(id, 'leader work aborted'));
    },
    onStoppedLeading: () => {
      leaders.delete(id);
      log(id, 'stopped leading');
    },
    onNewLeader: (leader) => {
      if (!dead.has(id)) log(id, `sees leader ${leader}`);
    },
    onError: (error) => {
      if (!dead.has(id)) log(id, `error: ${String(error)}`);
    },
  });
  return { id, election: new LeaderElection(config) };
});

function currentLeader(): (typeof candidates)[number] | undefined {
  return candidates.find((c) => c.election.isLeader());
}

async function waitFor(what: string, condition: () => boolean, limitMs: number): Promise<void> {
  const end = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`demo: ${what} did not happen within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

console.log(
  `Leasehold demo: ${count} candidates, leaseDuration=${TIMING.leaseDuration}s renewDeadline=${TIMING.renewDeadline}s retryPeriod=${TIMING.retryPeriod}s, seed ${seed}\n`,
);
for (const c of candidates) void c.election.acquire();
await waitFor('the first election', () => currentLeader() !== undefined, 5_000);
const first = currentLeader()!;
await new Promise((r) => setTimeout(r, 1_000));

log(first.id, 'KILLED (no more requests get through; it will not release)');
dead.add(first.id);
const killedAt = performance.now();
await waitFor(
  'failover after the kill',
  () => {
    const l = currentLeader();
    return l !== undefined && l !== first;
  },
  10_000,
);
const second = currentLeader()!;
const failover = performance.now() - killedAt;
log(second.id, `took over ${Math.round(failover)} ms after the kill (bound: leaseDuration + jittered retry)`);
await first.election.stop();

await new Promise((r) => setTimeout(r, 1_000));
log(second.id, 'STOPPING gracefully (releases the lock)');
const stopAt = performance.now();
await second.election.stop();
await waitFor('handover after the release', () => currentLeader() !== undefined, 5_000);
const third = currentLeader()!;
const handover = performance.now() - stopAt;
log(third.id, `took over ${Math.round(handover)} ms after the stop began (release seen through the watch)`);

await new Promise((r) => setTimeout(r, 500));
for (const c of candidates) await c.election.stop();
const overlaps = [...leaders.keys()].length;
console.log(
  `\nSummary: failover after a crash ${Math.round(failover)} ms; handover after a graceful stop ${Math.round(handover)} ms; requests served: ${JSON.stringify(store.counts)}; leaders left running: ${overlaps}.`,
);
