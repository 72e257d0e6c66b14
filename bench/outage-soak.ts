/**
 * Soak (a benchmark, not a test): a Lease election on the real control plane through repeated faults of
 * the API server, etcd and the candidates, for `--minutes` (default 20).
 *
 *   scripts/bench.sh --soak [--minutes 20] [--seed 1] [--kind lease|configmap]
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
 * retry period), reports to onError, and each long-lived candidate's RSS every minute.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type ProcessControl, startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { CandidateProcess, leadershipIntervals, overlaps } from '@leasehold/kube-tools/processes.ts';
import { maxInWindow, Random } from '@leasehold/testkit';

const { values } = parseArgs({
  options: {
    soak: { type: 'boolean', default: true },
    minutes: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    kind: { type: 'string', default: 'lease' },
  },
});
const MINUTES = Number(values.minutes);
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
const spawn = (id: string) => {
  const p = new CandidateProcess(id, {
    ...TIMING,
    KUBECONFIG: plane.kubeconfig,
    LOCK_KIND: KIND,
    LOCK_NAME: name,
  });
  all.push(p);
  return p;
};
const longLived = ['alpha', 'bravo', 'charlie'].map(spawn);
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
const downWindows: { start: number; end: number; what: string }[] = [];
const faults: Record<string, number> = {};
const count = (what: string) => {
  faults[what] = (faults[what] ?? 0) + 1;
};

/** SIGSTOP `target` for 3 to 8 s, then SIGCONT; the store counts as down from `t0` until then. */
const pauseFor = async (target: ProcessControl, what: string, t0: number) => {
  target.pause();
  await sleep(between(3_000, 8_000));
  target.resume();
  downWindows.push({ start: t0, end: Date.now(), what });
};

const started = Date.now();
const end = started + MINUTES * 60_000;
let nextSample = started;
console.log(`soak: ${MINUTES} min, ${KIND}, seed ${values.seed}, control plane ${plane.server}`);
while (Date.now() < end) {
  if (Date.now() >= nextSample) {
    for (const p of longLived) rss[p.id]!.push(rssKiB(p));
    nextSample += 60_000;
  }
  await sleep(between(15_000, 40_000));
  if (Date.now() >= end) break;
  const dice = random();
  const t0 = Date.now();
  if (dice < 0.25) {
    count('API server paused');
    await pauseFor(plane.apiServer, 'paused', t0);
  } else if (dice < 0.5) {
    count('API server killed and restarted');
    await plane.apiServer.kill();
    await sleep(between(2_000, 6_000));
    await plane.apiServer.restart();
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
for (const p of longLived) rss[p.id]!.push(rssKiB(p));

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
for (const p of all) await p.kill('SIGKILL');
await plane.stop();
process.exit(overlapping.length === 0 && alive ? 0 : 1);
