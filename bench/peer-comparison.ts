/**
 * Benchmark: API-server load and failover speed of Leasehold, client-go and kubernetes_asyncio, each in a
 * cluster of its own three candidates on the real control plane (started here, with an audit log that
 * records every request on leases and configmaps, so requests are counted by the API server itself).
 *
 *   scripts/bench.sh [--load-seconds 60] [--kills 5] [--only leasehold,client-go,kubernetes_asyncio]
 *                    [--hold S] [--skip-load]
 *
 * Load: client-go's default timings (lease 15 s, renew deadline 10 s, retry 2 s), one leader and two
 * followers, counted over the window once a leader is in. Failover: lease 4 s, renew deadline 2.5 s, retry
 * 1 s (kubernetes_asyncio's minimum retry); the leader is killed at a random point of its renewal cycle and
 * replaced after the next leader is in, and the time from the kill until one of the waiting followers
 * reports `started` is measured, for SIGKILL (the lease must expire) and SIGTERM (Leasehold and client-go
 * release; kubernetes_asyncio cannot). A kill waits until every candidate has reported `ready`. Each leader
 * then leads 1.5 to 2.5 s more (after a takeover its term also holds the replacement's start and one second:
 * about 2.5 to 3.5 s on a quiet machine, less than the 4 s lease, so at its release nobody can be newer, rule
 * 9), or S to S + 1 s with `--hold S` (S = 5: a term longer than a lease, where Leasehold's followers leave a
 * newer candidate the first slot); each kill's time and the term before it are printed, and the mean on
 * either side of a 4 s term (a replacement's start on a loaded machine makes terms longer than planned). `--skip-load`
 * measures the failovers only (the load columns print as -).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Impl, interopPeers } from '@leasehold/interop/peers.ts';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { CandidateProcess } from '@leasehold/kube-tools/processes.ts';

const { values } = parseArgs({
  options: {
    'load-seconds': { type: 'string', default: '60' },
    kills: { type: 'string', default: '5' },
    only: { type: 'string' },
    hold: { type: 'string' },
    'skip-load': { type: 'boolean', default: false },
  },
});
/** How long (ms) a leader leads, once seen, before its kill: 1.5 to 2.5 s, or `--hold` S to S + 1 s. */
const holdMs = () => (values.hold === undefined ? 1_500 : Number(values.hold) * 1000) + Math.random() * 1_000;
const LOAD_SECONDS = Number(values['load-seconds']);
const KILLS = Number(values.kills);
const ALL_CONFIGS: { impl: Impl; kind: 'lease' | 'configmap' }[] = [
  { impl: 'leasehold', kind: 'lease' },
  { impl: 'client-go', kind: 'lease' },
  { impl: 'kubernetes_asyncio', kind: 'lease' },
  { impl: 'leasehold', kind: 'configmap' },
  { impl: 'kubernetes_asyncio', kind: 'configmap' },
];
const only = values.only?.split(',');
const unknown = only?.filter((impl) => !ALL_CONFIGS.some((c) => c.impl === impl)) ?? [];
if (unknown.length > 0) {
  console.error(
    `--only: unknown implementation ${unknown.join(', ')} (leasehold, client-go, kubernetes_asyncio)`,
  );
  process.exit(2);
}
const CONFIGS = ALL_CONFIGS.filter((c) => only === undefined || only.includes(c.impl));

const peers = interopPeers();
const plane = await startControlPlane({ auditLog: true });
let serial = 0;

function cluster(impl: Impl, kind: string, name: string, timing: Record<string, string>, size = 3) {
  const procs: CandidateProcess[] = [];
  const add = () => {
    serial += 1;
    const env = { ...timing, KUBECONFIG: plane.kubeconfig, LOCK_KIND: kind, LOCK_NAME: name };
    const proc = new CandidateProcess(`${impl.replace('_', '-')}-${serial}`, env, peers[impl]);
    procs.push(proc);
    return proc;
  };
  for (let i = 0; i < size; i += 1) add();
  return { procs, add };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function leaderOf(procs: CandidateProcess[], timeoutMs = 60_000): Promise<CandidateProcess> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const leading = procs.filter((p) => p.leading);
    if (leading.length === 1) return leading[0]!;
    await sleep(20);
  }
  throw new Error(`no leader within ${timeoutMs} ms`);
}

interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  requestReceivedTimestamp: string;
  objectRef?: { name?: string };
}

/**
 * The audit events of lock `name` received in [from, to). The API server rotates its audit log at 100 MB
 * (to `audit-<time>.log` beside it), so every file of the log is read, not only the current one.
 */
function auditFor(name: string, from: number, to: number): AuditEvent[] {
  const dir = dirname(plane.auditLog!);
  const current = basename(plane.auditLog!);
  const files = readdirSync(dir).filter(
    (f) => f === current || (f.startsWith('audit-') && f.endsWith('.log')),
  );
  return files
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
    .filter((line) => line.includes(name))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((e) => {
      const at = Date.parse(e.requestReceivedTimestamp);
      return at >= from && at < to;
    });
}

async function measureLoad(impl: Impl, kind: string) {
  const name = `bench-load-${kind}-${impl.replace('_', '-')}`;
  const { procs } = cluster(impl, kind, name, {
    LEASE_DURATION: '15',
    RENEW_DEADLINE: '10',
    RETRY_PERIOD: '2',
  });
  try {
    await leaderOf(procs);
    await sleep(2_000); // past the start-up reads
    const from = Date.now();
    await sleep(LOAD_SECONDS * 1000);
    const to = Date.now();
    await sleep(1_000); // let the audit log catch up
    const events = auditFor(name, from, to);
    const done = events.filter((e) => e.stage === 'ResponseComplete' && e.verb !== 'watch');
    const perMinute = (n: number) => Math.round((n / LOAD_SECONDS) * 60 * 10) / 10;
    const reads = done.filter((e) => e.verb === 'get' || e.verb === 'list').length;
    const writes = done.filter((e) => ['update', 'patch', 'create'].includes(e.verb)).length;
    const watches = events.filter((e) => e.verb === 'watch' && e.stage === 'ResponseStarted').length;
    return { reads: perMinute(reads), writes: perMinute(writes), total: perMinute(reads + writes), watches };
  } finally {
    for (const p of procs) await p.kill('SIGKILL');
  }
}

async function measureFailover(impl: Impl, kind: string, signal: NodeJS.Signals) {
  const name = `bench-failover-${kind}-${impl.replace('_', '-')}-${signal.toLowerCase()}`;
  const { procs, add } = cluster(impl, kind, name, {
    LEASE_DURATION: '4',
    RENEW_DEADLINE: '2.5',
    RETRY_PERIOD: '1',
  });
  const times: number[] = [];
  /** How long each killed leader had led (from its `started` report to the kill). */
  const terms: number[] = [];
  try {
    const ready = (p: CandidateProcess) => p.events.some((e) => e.event === 'ready');
    await until(() => procs.every(ready), 60_000, 'the candidates ready');
    for (let k = 0; k < KILLS; k += 1) {
      const leader = await leaderOf(procs);
      await sleep(holdMs()); // a random point of the 1 s renewal cycle, past start-up
      const killed = Date.now();
      terms.push(killed - (leader.events.findLast((e) => e.event === 'started')?.t ?? killed));
      await leader.kill(signal);
      const next = await leaderOf(procs);
      times.push(next.events.findLast((e) => e.event === 'started')!.t - killed);
      // The replacement joins only now: a fresh candidate tries at once, and would measure its own start-up
      // instead of how fast the waiting followers notice. The next kill waits until it is ready: on a loaded
      // machine a start took up to 19 s, and a kill before it measured that start, not the handover.
      const replacement = add();
      await until(() => replacement.events.some((e) => e.event === 'ready'), 60_000, 'the replacement ready');
      await sleep(1_000); // ready: it has read the lock and its watch (or its polling) is under way
    }
  } finally {
    for (const p of procs) await p.kill('SIGKILL');
  }
  const average = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const mean = average(times);
  // Rule 9 leaves newer candidates a slot at a release only after a term longer than the lease (4 s here):
  // the kills on either side of it, apart.
  const byTerm = (long: boolean) => times.filter((_, i) => terms[i]! > 4_000 === long);
  const side = (long: boolean) =>
    byTerm(long).length === 0 ? '-' : `${average(byTerm(long))} (${byTerm(long).length})`;
  console.log(
    `${impl} ${kind} ${signal}: ${times.join(' ')} ms; terms before each kill ${terms.join(' ')} ms; ` +
      `mean after terms up to 4 s ${side(false)}, over 4 s ${side(true)} (load average ${loadavg()[0]!.toFixed(1)})`,
  );
  return { mean, min: Math.min(...times), max: Math.max(...times) };
}

const rows: string[] = [];
for (const { impl, kind } of CONFIGS) {
  const load = values['skip-load']
    ? { total: '-', reads: '-', writes: '-', watches: '-' }
    : await measureLoad(impl, kind);
  const kill = await measureFailover(impl, kind, 'SIGKILL');
  const term = await measureFailover(impl, kind, 'SIGTERM');
  const row =
    `| ${impl} | ${kind} | ${load.total} | ${load.reads} | ${load.writes} | ${load.watches} | ` +
    `${kill.mean} (${kill.min}–${kill.max}) | ${term.mean} (${term.min}–${term.max}) |`;
  console.log(row);
  rows.push(row);
}
await plane.stop();

console.log(
  `\nload window ${values['skip-load'] ? '(skipped)' : `${LOAD_SECONDS} s`}, ${KILLS} kills per signal, ` +
    `leaders held ${values.hold === undefined ? '1.5-2.5' : `${values.hold}-${Number(values.hold) + 1}`} s before each kill\n`,
);
console.log(
  '| implementation | lock | requests/min (3 candidates) | reads/min | writes/min | watches opened in the window | SIGKILL failover ms, mean (min–max) | SIGTERM handover ms, mean (min–max) |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
