/**
 * Soak (a benchmark, not a test): a Lease election on the real control plane through repeated faults of
 * the API server, etcd and the candidates, for `--minutes` (default 20).
 *
 *   scripts/bench.sh --soak [--minutes 20] [--seed 1] [--kind lease|configmap] [--snapshots 5,last]
 *     [--node-flags '--max-opt=0']
 *
 * Three long-lived candidates (alpha, bravo, charlie) stay up the whole run, so their memory over time shows
 * any leak from watch reconnects, timers or error reports; a fourth slot (delta) is SIGKILLed or SIGTERMed
 * and started again. Every 15 to 40 s (seeded) one fault: kube-apiserver paused 3 to 8 s; killed and
 * restarted after 2 to 6 s; etcd paused 3 to 8 s; the delta candidate SIGKILLed or SIGTERMed and started
 * again (when it leads, that is a leader's crash or graceful stop). Timings: lease 3 s, renew deadline 2 s,
 * retry 0.5 s.
 *
 * Reports: faults injected by kind, leadership terms, overlaps (must be 0), requests per candidate while
 * the store was down (from the candidates' traces: the largest count in any one-second window and in any
 * retry period), reports to onError, and each long-lived candidate's RSS and heap (heapUsed right after a
 * full collection) every minute.
 *
 * Heap snapshots of alpha at the minutes of `--snapshots` (default: minute 5 and the last), in a temporary
 * folder outside the repository that is kept (its path is printed): the retained heap of each, and between
 * the first and the last the growth with the 15 constructors that grew most and how a new object of the
 * first few is reached (bench/heap-snapshot.ts). A snapshot stops alpha for a few seconds (6 s on a loaded
 * 2-core machine), so the soak waits (up to a minute) until alpha does not lead before it asks for one; and
 * writing it raises alpha's RSS for good (by about 90 MiB), so alpha's RSS after its first snapshot is not
 * comparable with the RSS before: its heap after a full collection is.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type ProcessControl, startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { CandidateProcess, leadershipIntervals, overlaps } from '@leasehold/kube-tools/processes.ts';
import { maxInWindow, Random } from '@leasehold/testkit';
import { heapSample, heapSnapshot, PROBED_CANDIDATE } from './heap-probe.ts';
import { compareSnapshots, HeapSnapshot } from './heap-snapshot.ts';

const { values } = parseArgs({
  options: {
    soak: { type: 'boolean', default: true },
    minutes: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    kind: { type: 'string', default: 'lease' },
    snapshots: { type: 'string', default: '5,last' },
    // Extra Node/V8 flags for the long-lived candidates, e.g. `--node-flags=--max-opt=0` to keep V8's
    // optimizing compilers out of a run: their compiled code is part of the retained heap.
    'node-flags': { type: 'string', default: '' },
  },
});
const MINUTES = Number(values.minutes);
const SNAPSHOT_MINUTES = [
  ...new Set(values.snapshots.split(',').map((m) => (m.trim() === 'last' ? MINUTES : Number(m)))),
]
  .filter((m) => Number.isInteger(m) && m >= 0 && m <= MINUTES)
  .sort((a, b) => a - b);
const KIND = values.kind === 'configmap' ? 'configmap' : 'lease';
const R = 0.5;
const TIMING = { LEASE_DURATION: '3', RENEW_DEADLINE: '2', RETRY_PERIOD: String(R), LEASEHOLD_TRACE: '1' };

/** Seeded: the fault schedule of a run is a function of --seed. */
const rng = new Random(Number(values.seed));
const random = (): number => rng.next();
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

const plane = await startControlPlane();
const name = `soak-${Date.now()}`;
const all: CandidateProcess[] = [];
const killedAt = new Map<string, number>();
const env = { ...TIMING, KUBECONFIG: plane.kubeconfig, LOCK_KIND: KIND, LOCK_NAME: name };
const spawn = (id: string) => {
  const p = new CandidateProcess(id, env);
  all.push(p);
  return p;
};
// The long-lived candidates answer heap probes (an IPC channel, gc exposed); delta is the plain candidate.
const flags = values['node-flags'].split(/\s+/).filter(Boolean);
const longLived = ['alpha', 'bravo', 'charlie'].map((id) => {
  const command = { ...PROBED_CANDIDATE, args: [...flags, ...PROBED_CANDIDATE.args] };
  const p = new CandidateProcess(id, env, command, { ipc: true });
  all.push(p);
  return p;
});
const alpha = longLived[0]!;
let delta = spawn('delta');

const rssKiB = (p: CandidateProcess): number | null => {
  try {
    const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return null;
  }
};
const rss: Record<string, (number | null)[]> = Object.fromEntries(longLived.map((p) => [p.id, []]));
const heapUsed: Record<string, (number | null)[]> = Object.fromEntries(longLived.map((p) => [p.id, []]));
const heapDir = mkdtempSync(join(tmpdir(), 'leasehold-soak-heap-'));
const snapshots: { minute: number; path: string; retainedBytes: number }[] = [];
/** What is down right now (for the notes on snapshots), or null. */
let downNow: string | null = null;
const downWindows: { start: number; end: number; what: string }[] = [];
const faults: Record<string, number> = {};
const count = (what: string) => {
  faults[what] = (faults[what] ?? 0) + 1;
};

/** SIGSTOP `target` for 3 to 8 s, then SIGCONT; the store counts as down from `t0` until then. */
const pauseFor = async (target: ProcessControl, what: string, t0: number) => {
  downNow = what;
  target.pause();
  await sleep(between(3_000, 8_000));
  target.resume();
  downNow = null;
  downWindows.push({ start: t0, end: Date.now(), what });
};

const mib = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined ? '-' : (bytes / 1024 / 1024).toFixed(2);

/** Open file descriptors (sockets, pipes, files) of a process: a leaked connection shows here. */
const fdCount = (p: CandidateProcess): number | null => {
  try {
    return readdirSync(`/proc/${p.child.pid}/fd`).length;
  } catch {
    return null;
  }
};
const fds: Record<string, (number | null)[]> = Object.fromEntries(longLived.map((p) => [p.id, []]));

/** RSS, heapUsed after a full collection and open descriptors of each long-lived candidate. */
const sampleMemory = async (minute: number) => {
  const line: string[] = [];
  for (const p of longLived) {
    const heap = await heapSample(p);
    const kib = rssKiB(p);
    rss[p.id]!.push(kib);
    heapUsed[p.id]!.push(heap?.heapUsed ?? null);
    fds[p.id]!.push(fdCount(p));
    line.push(`${p.id} ${mib(kib === null ? null : kib * 1024)}/${mib(heap?.heapUsed)}/${fds[p.id]!.at(-1)}`);
  }
  console.log(`minute ${minute}: RSS/heap after gc (MiB)/open fds: ${line.join(', ')}`);
};

/**
 * A heap snapshot of alpha. Writing one stops alpha for seconds, and a leader stopped that long overlaps
 * its successor by construction (the trial run showed it), so the snapshot waits, up to 5 minutes, until
 * alpha does not lead; the faults go on meanwhile and end leaderships.
 */
const snapshotAlpha = async (minute: number) => {
  const waitUntil = Date.now() + 5 * 60_000;
  while (alpha.leading && alpha.alive && Date.now() < waitUntil) await sleep(200);
  if (alpha.leading) {
    console.log(`heap snapshot of alpha at minute ${minute}: not taken, alpha led for 5 minutes`);
    return;
  }
  const store = downNow ?? 'up';
  const taken = await heapSnapshot(alpha, join(heapDir, `alpha-minute-${minute}.heapsnapshot`));
  if (!taken) {
    console.log(`heap snapshot of alpha at minute ${minute}: no answer (alive: ${alpha.alive})`);
    return;
  }
  const { retainedBytes, nodeCount } = new HeapSnapshot(taken.path);
  snapshots.push({ minute, path: taken.path, retainedBytes });
  console.log(
    `heap snapshot of alpha at minute ${minute}: retained ${mib(retainedBytes)} MiB in ${nodeCount} nodes; ` +
      `alpha stood still ${taken.ms} ms; store ${store}; ${taken.path}`,
  );
};

/** Each minute from 0 to the last: memory samples, and alpha's snapshots at their minutes. */
let probesDone = false;
const probeMemory = async () => {
  for (let minute = 0; minute <= MINUTES; minute += 1) {
    await sleep(Math.max(0, started + minute * 60_000 - Date.now()));
    await sampleMemory(minute);
    if (SNAPSHOT_MINUTES.includes(minute)) await snapshotAlpha(minute);
  }
  probesDone = true;
};

const started = Date.now();
const flagNote = values['node-flags'] ? `, long-lived candidates with ${values['node-flags']}` : '';
console.log(`soak: ${MINUTES} min, ${KIND}, seed ${values.seed}${flagNote}, control plane ${plane.server}`);
console.log(`heap snapshots of alpha at minutes ${SNAPSHOT_MINUTES.join(', ') || '(none)'} in ${heapDir}`);
const probing = probeMemory();
// Faults until the last minute, and past it until the last snapshot is taken (it waits for alpha not to lead).
while (!probesDone) {
  await sleep(between(15_000, 40_000));
  if (probesDone) break;
  const dice = random();
  const t0 = Date.now();
  if (dice < 0.25) {
    count('API server paused');
    await pauseFor(plane.apiServer, 'paused', t0);
  } else if (dice < 0.5) {
    count('API server killed and restarted');
    downNow = 'API server killed';
    await plane.apiServer.kill();
    await sleep(between(2_000, 6_000));
    await plane.apiServer.restart();
    downNow = null;
    downWindows.push({ start: t0, end: Date.now(), what: 'killed' });
  } else if (dice < 0.7) {
    count('etcd paused');
    await pauseFor(plane.etcd, 'etcd', t0);
  } else if (dice < 0.85) {
    count('candidate SIGKILLed and restarted');
    await delta.kill('SIGKILL');
    killedAt.set(`${delta.id}@${delta.child.pid}`, Date.now());
    delta = spawn('delta');
  } else {
    count('candidate SIGTERMed and restarted');
    await delta.kill('SIGTERM');
    delta = spawn('delta');
  }
}
await probing;
console.log(
  `run: ${((Date.now() - started) / 60_000).toFixed(1)} min (past ${MINUTES} while the last snapshot waited)`,
);

// Leadership: per process (a restarted delta is a new process), so its intervals end at its kill.
const intervals = all.flatMap((p) =>
  leadershipIntervals(
    [p],
    new Map([[p.id, killedAt.get(`${p.id}@${p.child.pid}`) ?? Number.POSITIVE_INFINITY]]),
  ).map((i) => ({ ...i, id: `${i.id}@${p.child.pid}` })),
);
intervals.sort((a, b) => a.start - b.start);
const overlapping = overlaps(intervals.map((i) => ({ ...i, end: Math.min(i.end, Date.now()) })));

// Requests while the store was down, from each candidate's trace.
const requestTimes = (p: CandidateProcess) =>
  p.events
    .filter((e) => e.event === 'transition')
    .flatMap((e) =>
      ((e as unknown as { effects: string[] }).effects ?? [])
        .filter((x) => x === 'readLock' || x === 'createLock' || x === 'updateLock')
        .map(() => e.t),
    );
let peakPerSecond = 0;
let peakPerRetryPeriod = 0;
let downRequests = 0;
let downMs = 0;
for (const w of downWindows) downMs += w.end - w.start;
for (const p of all) {
  const inside = requestTimes(p).filter((t) => downWindows.some((w) => t >= w.start && t <= w.end));
  downRequests += inside.length;
  peakPerSecond = Math.max(peakPerSecond, maxInWindow(inside, 1_000));
  peakPerRetryPeriod = Math.max(peakPerRetryPeriod, maxInWindow(inside, R * 1000));
}
const reports = all.reduce((n, p) => n + p.events.filter((e) => e.event === 'error').length, 0);
const alive = longLived.every((p) => p.alive);

console.log(`faults: ${JSON.stringify(faults)}`);
console.log(`store down: ${downWindows.length} windows, ${(downMs / 1000).toFixed(1)} s in all`);
console.log(`leadership terms: ${intervals.length}; overlaps: ${overlapping.length}`);
for (const o of overlapping.slice(0, 5)) console.log(`  overlap: ${o}`);
console.log(
  `requests while the store was down: ${downRequests} from ${all.length} processes; at most ${peakPerSecond} ` +
    `by one candidate in any second, ${peakPerRetryPeriod} in any retry period (${R} s)`,
);
console.log(`reports to onError, all candidates: ${reports}; long-lived candidates still running: ${alive}`);
console.log('RSS of the long-lived candidates (MiB), one sample a minute:');
for (const [id, samples] of Object.entries(rss)) {
  console.log(`  ${id}: ${samples.map((s) => (s === null ? '-' : (s / 1024).toFixed(1))).join(' ')}`);
}
console.log('heapUsed after a full collection (MiB), one sample a minute:');
for (const [id, samples] of Object.entries(heapUsed)) console.log(`  ${id}: ${samples.map(mib).join(' ')}`);
console.log('open file descriptors, one sample a minute:');
for (const [id, samples] of Object.entries(fds))
  console.log(`  ${id}: ${samples.map((n) => n ?? '-').join(' ')}`);
reportHeapGrowth();
for (const p of all) await p.kill('SIGKILL');
await plane.stop();

/** Retained heap of alpha at its first and last snapshot, and what grew in between. */
function reportHeapGrowth(): void {
  const first = snapshots[0];
  const last = snapshots.at(-1);
  if (!first || !last || first === last) {
    console.log('retained heap growth: fewer than two snapshots');
    return;
  }
  const kib = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / 1024).toFixed(1)} KiB`;
  // With more than two snapshots, the growth of each stretch: a leak grows in every one, warm-up in the first.
  for (let i = 1; i < snapshots.length && snapshots.length > 2; i += 1) {
    const [a, b] = [snapshots[i - 1]!, snapshots[i]!];
    const step = compareSnapshots(new HeapSnapshot(a.path), new HeapSnapshot(b.path), 0, 0);
    const grown = step.afterBytes - step.beforeBytes;
    console.log(
      `retained heap of alpha, minute ${a.minute} to ${b.minute}: ${kib(grown)} (V8's code, shapes and ` +
        `internals ${kib(step.engineBytesDelta)}, the program's objects ${kib(grown - step.engineBytesDelta)})`,
    );
  }
  const { beforeBytes, afterBytes, engineBytesDelta, growths } = compareSnapshots(
    new HeapSnapshot(first.path),
    new HeapSnapshot(last.path),
  );
  const growth = afterBytes - beforeBytes;
  console.log(
    `retained heap growth of alpha, minute ${first.minute} to minute ${last.minute}: ${kib(growth)} ` +
      `(${mib(beforeBytes)} -> ${mib(afterBytes)} MiB): ${growth < 1024 * 1024 ? 'under' : 'NOT under'} 1 MiB; ` +
      `of it V8's compiled code, object shapes and internals ${kib(engineBytesDelta)}, the program's ` +
      `objects ${kib(growth - engineBytesDelta)}`,
  );
  console.log(
    `top ${growths.length} growths by constructor (self size; "new": allocated after minute ` +
      `${first.minute} and still reachable at minute ${last.minute}):`,
  );
  for (const g of growths) {
    console.log(
      `  ${kib(g.bytesDelta).padStart(13)} ${`${g.countDelta >= 0 ? '+' : ''}${g.countDelta}`.padStart(7)} ` +
        `objects (new: ${g.newCount}, ${kib(g.newBytes)})  ${g.group}`,
    );
    if (g.heldBy.length > 0) console.log(`      the new ones are held: ${g.heldBy.join('; ')}`);
    if (g.examplePath) console.log(`      the newest is reached by: ${g.examplePath}`);
  }
}
process.exit(overlapping.length === 0 && alive ? 0 : 1);
