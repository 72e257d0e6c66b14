/**
 * Benchmark: many elections in one process (issue 15's shape). N Lease elections (or memory-lock ones), one
 * candidate each, all leading, in this process, on the test control plane started here; after a warm-up,
 * over a measuring window: RSS, CPU seconds per minute, renewal latency (p50, p99: from sending the write
 * to its answer, from the elections' own transitions), event-loop delay (p99), new TCP connections per
 * minute (undici's diagnostics channel), lock requests that failed, and how many lead at the end.
 *
 *   scripts/bench.sh --scale [--elections 1000] [--kind lease|memory|client-go] [--seconds 60] [--warmup 20]
 *                            [--kubeconfig FILE]   # an existing cluster (tools/kube/up.ts), e.g. under ulimit -n
 *                            [--prefix NAME] [--json] [--max-rss-mib 4096] [--module FILE] [--rss-every S]
 *                            [--stagger] [--no-latency] [--renew-jitter F [--renew-jitter-steps K] [--renew-slot-ms S]]
 *   scripts/bench.sh --scale --compare [--elections 1000] [--contend DUTY] [--memory-limit MIB] ...   # bench/scale-compare.ts
 *
 * Timings are client-go's (15 s, 10 s, 2 s). Run it with `ulimit -n 1024` to see the file-descriptor bound.
 * `--prefix` names the Leases (PREFIX-0 ...), so runs on one control plane do not share them; `--json` prints
 * the measures as one JSON line too (and a `{"phase":"measuring"}` line when the window opens), for
 * bench/scale-compare.ts, which runs this file at 1 and at N elections for Leasehold and for client-go on one
 * control plane, optionally beside a fixed CPU load, and prints them side by side. `--module FILE` takes
 * `@leasehold/lease` from FILE (an earlier commit's `packages/lease/src` unpacked in packages/lease/.base, as
 * bench/renewal-cost.ts does), to compare two versions in one sitting; `--rss-every S` prints the RSS, V8's
 * heap (reserved and used) and external memory every S seconds from the start (to see whether the RSS settles).
 */
import { spawn } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { Lock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { benchElection, renewJitterClock } from './bench-election.ts';

const { values } = parseArgs({
  options: {
    elections: { type: 'string', default: '1000' },
    kind: { type: 'string', default: 'lease' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '20' },
    // An existing cluster instead of starting one: for a run under `ulimit -n` that the API server must not share.
    kubeconfig: { type: 'string' },
    prefix: { type: 'string', default: 'scale' },
    json: { type: 'boolean', default: false },
    // bench/scale-compare.ts's options (it runs this file for each case).
    compare: { type: 'boolean', default: false },
    contend: { type: 'string' },
    rounds: { type: 'string' },
    'memory-limit': { type: 'string' },
    // A starved 1,000-election process once grew past 20 GB until the OOM killer ended it (docs/benchmarks.md).
    'max-rss-mib': { type: 'string', default: '4096' },
    module: { type: 'string' },
    'rss-every': { type: 'string' },
    // Leaves out the latency's instrumentation (its listener per election, the diagnostics channels), to see
    // what it costs.
    'no-latency': { type: 'boolean', default: false },
    // Starts election i at i/N of a retry period (2 s) instead of all at once, for either implementation:
    // the renewals then stay spread over the period (each renews 2 s after its last answer) instead of in
    // bursts of all N.
    stagger: { type: 'boolean', default: false },
    // A prototype of renewals spread every period, not in the library: each renew timer shortened by up to
    // this fraction at random (bench/bench-election.ts renewJitterClock). Leasehold only.
    'renew-jitter': { type: 'string' },
    'renew-jitter-steps': { type: 'string', default: '0' },
    'renew-slot-ms': { type: 'string', default: '0' },
  },
});
if (values.compare) {
  await import('./scale-compare.ts');
  process.exit(0);
}
const N = Number(values.elections);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const kind = values.kind === 'memory' ? 'memory' : values.kind === 'client-go' ? 'client-go' : 'lease';
const PREFIX = values.prefix;

// Stops the run before it takes the machine's memory: a benchmark shares it with everything else.
const MAX_RSS = Number(values['max-rss-mib']) * 2 ** 20;
/** Stops the control plane this run started, if any (set once it is up). */
let stopPlane: () => Promise<void> = async () => {};
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss <= MAX_RSS) return;
  console.error(
    `bench/scale.ts: RSS ${(rss / 2 ** 20).toFixed(0)} MiB passed --max-rss-mib; stopping the run`,
  );
  void stopPlane().finally(() => process.exit(3));
}, 1000).unref();
if (values['rss-every']) {
  const t0 = performance.now();
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  setInterval(() => {
    const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
    console.log(
      `t=${((performance.now() - t0) / 1000).toFixed(0)} s: RSS ${mib(rss)} MiB, V8 heap reserved ${mib(heapTotal)}, used ${mib(heapUsed)}, external ${mib(external)}`,
    );
  }, Number(values['rss-every']) * 1000).unref();
}

/** The measures as a table, and with `--json` as one JSON line for bench/scale-compare.ts. */
function report(rows: [string, string][], measures: Record<string, number>): void {
  console.log('| measure | value |\n| --- | ---: |');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  // Node sizes V8's heap, young generation included, from a container's memory limit (bench/memory-limit.ts).
  const limit = process.constrainedMemory();
  const limitText = limit > 0 && limit < 2 ** 60 ? `${(limit / 2 ** 20).toFixed(0)} MiB` : 'none';
  console.log(
    `| memory limit / this Node process's V8 heap limit | ${limitText} / ${(getHeapStatistics().heap_size_limit / 2 ** 20).toFixed(0)} MiB |`,
  );
  if (values.json) console.log(JSON.stringify({ phase: 'result', ...measures }));
}

/**
 * The warm-up: `--warmup` seconds, and on a loaded machine longer, until all `n` lead (at most two minutes
 * more), then 10 s more for the renewals to settle; the window measures steady leaders, not acquisitions.
 */
async function warmUp(leading: () => number, n: number): Promise<void> {
  await sleep(WARMUP * 1000);
  if (leading() >= n) return;
  const until = Date.now() + 120_000;
  while (leading() < n && Date.now() < until) await sleep(1000);
  await sleep(10_000);
}

/** Marks the start of the measuring window for bench/scale-compare.ts. */
function measuringStarts(): void {
  if (values.json) console.log(JSON.stringify({ phase: 'measuring', t: Date.now() }));
}

// Loaded only for a run on the control plane, so a memory-lock run measures the core and the store alone.
const kube =
  kind === 'memory'
    ? undefined
    : {
        ...(await import('@kubernetes/client-node')),
        ...(await import('@leasehold/kube-tools/control-plane.ts')),
        ...((await import(
          values.module ? pathToFileURL(values.module).href : '@leasehold/lease'
        )) as typeof import('@leasehold/lease')),
      };
const plane = kube && !values.kubeconfig ? await kube.startControlPlane() : undefined;
if (plane) stopPlane = () => plane.stop();
const kubeConfig = kube ? new kube.KubeConfig() : undefined;
const kubeconfigFile = values.kubeconfig ?? plane?.kubeconfig;
if (kubeconfigFile) kubeConfig?.loadFromFile(kubeconfigFile);
if (kind === 'client-go') {
  await clientGoElectors(kubeconfigFile ?? '');
  await plane?.stop();
  process.exit(0);
}

/**
 * The same shape with client-go: N electors in one Go process (the interop peer with ELECTORS=N, one shared
 * client, its client-side rate limit raised to 1,000 requests/s), measured from outside: peak RSS and CPU
 * from /proc, how many lead. client-go exposes no renewal latency without instrumenting it.
 */
async function clientGoElectors(kubeconfig: string): Promise<void> {
  const { interopPeers } = await import('@leasehold/interop/peers.ts');
  const peer = interopPeers()['client-go'];
  const child = spawn(peer.file, peer.args, {
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      IDENTITY: 'bench-go',
      LOCK_NAME: PREFIX,
      ELECTORS: String(N),
      LEASE_DURATION: '15',
      RENEW_DEADLINE: '10',
      RETRY_PERIOD: '2',
      QPS: '1000',
      STAGGER: values.stagger ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const leading = new Set<string>();
  let latency: ((event: Record<string, number>) => void) | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { event?: string; lock?: string };
    // With ELECTORS=1 the peer runs its single elector, whose "started" names no lock.
    if (event.event === 'started') leading.add(event.lock ?? PREFIX);
    if (event.event === 'latency') latency?.(event as unknown as Record<string, number>);
  });
  // With ELECTORS > 1 the peer times its renewals (tools/interop/client-go/timing.go); SIGUSR1 prints what it
  // measured since the last one and starts afresh. With one elector it has no such handler (and would die).
  const timed = N > 1;
  const latencyReport = () =>
    new Promise<Record<string, number> | undefined>((resolve) => {
      if (!timed) return resolve(undefined);
      latency = resolve;
      child.kill('SIGUSR1');
    });
  const cpuSeconds = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  };
  const status = (key: string) =>
    Number(
      readFileSync(`/proc/${child.pid}/status`, 'utf8').match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? NaN,
    );
  await warmUp(() => leading.size, N);
  console.log(`${N} client-go electors; leading after the warm-up: ${leading.size}`);
  await latencyReport(); // the warm-up's, dropped
  measuringStarts();
  const cpu0 = cpuSeconds();
  await sleep(SECONDS * 1000);
  const cpu = cpuSeconds() - cpu0;
  const lat = await latencyReport();
  const ms = (key: string) => lat?.[key] ?? NaN;
  const peakMiB = status('VmHWM') / 1024;
  const rssMiB = status('VmRSS') / 1024;
  const cpuPerMin = cpu / (SECONDS / 60);
  report(
    [
      ['electors', `${N} (client-go, one process)`],
      ['leading (ever started)', String(leading.size)],
      ['RSS at the end / peak', `${rssMiB.toFixed(1)} / ${peakMiB.toFixed(1)} MiB`],
      ['CPU', `${cpuPerMin.toFixed(1)} CPU-s/min`],
      ['threads', String(status('Threads'))],
      ['renewals measured (Update calls)', String(ms('renewals'))],
      [
        'renewal p50 / p99 (Update called to returned)',
        `${ms('p50').toFixed(1)} ms / ${ms('p99').toFixed(1)} ms`,
      ],
      [
        'split p50 / p99: request to headers, headers to body closed',
        `${ms('headersP50').toFixed(1)} / ${ms('headersP99').toFixed(1)} ms, ${ms('bodyP50').toFixed(1)} / ${ms('bodyP99').toFixed(1)} ms`,
      ],
      [
        'Lease requests started per 100 ms: busiest / mean',
        `${ms('sendsPer100msMax')} / ${ms('sendsPer100msMean').toFixed(1)}`,
      ],
      ['Lease requests in flight at most', String(ms('maxInFlight'))],
      ['failed updates', String(ms('failed'))],
    ],
    {
      elections: N,
      leading: leading.size,
      rssMiB,
      peakMiB,
      cpuPerMin,
      renewals: ms('renewals'),
      p50: ms('p50'),
      p99: ms('p99'),
      wireP50: ms('headersP50'),
      wireP99: ms('headersP99'),
      bodyP50: ms('bodyP50'),
      bodyP99: ms('bodyP99'),
      sendsPer100msMax: ms('sendsPer100msMax'),
      sendsPer100msMean: ms('sendsPer100msMean'),
      maxInFlight: ms('maxInFlight'),
      failures: ms('failed'),
    },
  );
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
const store = new MemoryLockStore();

let connections = 0;
subscribe('undici:client:connected', () => {
  connections += 1;
});
let measuring = false;
let failures = 0;

/**
 * The renewals' latency, kept light (issue 25): fixed-size histograms (node:perf_hooks, microseconds) instead
 * of an array of every latency, one listener per election that reads the step without allocating, and per
 * election five timestamps in typed arrays. `--no-latency` leaves all of it out (and the diagnostics
 * channels below), to see what it costs: the CPU and the bytes allocated per minute with and without.
 *
 * Send to answer is split at undici's diagnostics channels, for a renewal's PATCH of the election's Lease:
 * (a) queued in the driver: the renew step (the timer fired) to `undici:request:create`;
 * (a') queued in undici: created to `undici:client:sendHeaders` (no free HTTP/2 stream or connection yet);
 * (b) on the wire and the server: headers sent to the answer's end (`undici:request:trailers`);
 * (c) after the answer: its end until the election steps on LOCK_WRITTEN (the promise chain, the event loop).
 */
const instrument = !values['no-latency'];
const histogram = () => createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
const split = {
  total: histogram(),
  driver: histogram(),
  undici: histogram(),
  wire: histogram(),
  after: histogram(),
};
const recordMs = (h: RecordableHistogram, ms: number) => h.record(Math.max(1, Math.round(ms * 1000)));
const pctMs = (h: RecordableHistogram, p: number) => (h.count === 0 ? NaN : h.percentile(p) / 1000);
let renewals = 0;
const sentAt = new Float64Array(N).fill(Number.NaN);
const createdAt = new Float64Array(N).fill(Number.NaN);
const headersSentAt = new Float64Array(N).fill(Number.NaN);
const endedAt = new Float64Array(N).fill(Number.NaN);
/** Renewal PATCHes created per 100 ms of the window (are the elections in phase?), and in flight at most. */
const sendsPer100ms = new Uint32Array(Math.ceil(SECONDS * 10) + 1);
let windowStart = 0;
let inFlight = 0;
let maxInFlight = 0;
/** Each election's Lease path, to its index: a renewal's request found without parsing its path. */
const electionOf = new Map<string, number>();
if (kube && instrument) {
  for (let i = 0; i < N; i += 1)
    electionOf.set(`/apis/coordination.k8s.io/v1/namespaces/default/leases/${PREFIX}-${i}`, i);
  type Message = { request: { method: string; path: string } };
  const renewalOf = (message: unknown) => {
    const { request } = message as Message;
    return request.method === 'PATCH' ? (electionOf.get(request.path) ?? -1) : -1;
  };
  subscribe('undici:request:create', (message) => {
    const i = renewalOf(message);
    if (i < 0) return;
    const now = performance.now();
    createdAt[i] = now;
    inFlight += 1;
    if (measuring) {
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      const bin = Math.floor((now - windowStart) / 100);
      if (bin < sendsPer100ms.length) sendsPer100ms[bin]! += 1;
    }
  });
  subscribe('undici:client:sendHeaders', (message) => {
    const i = renewalOf(message);
    if (i >= 0) headersSentAt[i] = performance.now();
  });
  subscribe('undici:request:trailers', (message) => {
    const i = renewalOf(message);
    if (i < 0) return;
    endedAt[i] = performance.now();
    inFlight -= 1;
  });
  subscribe('undici:request:error', (message) => {
    if (renewalOf(message) >= 0) inFlight -= 1;
  });
}

const clock = values['renew-jitter']
  ? renewJitterClock(
      Number(values['renew-jitter']),
      Number(values['renew-jitter-steps']),
      Number(values['renew-slot-ms']),
    )
  : undefined;
const elections = Array.from({ length: N }, (_, i) => {
  const lock: Lock =
    kube && kubeConfig
      ? new kube.LeaseLock({ name: `${PREFIX}-${i}`, namespace: 'default', identity: 'bench', kubeConfig })
      : store.lock(`${PREFIX}-${i}`, 'bench');
  const election = benchElection(lock, clock);
  if (!instrument) return election;
  election.subscribe(({ input, from, to, effects }) => {
    if (input.type === 'LOCK_FAILED' && measuring) failures += 1;
    const sent = sentAt[i]!;
    if ((input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_FAILED') && !Number.isNaN(sent)) {
      if (measuring && input.type === 'LOCK_WRITTEN') {
        renewals += 1;
        recordMs(split.total, input.at - sent);
        // The split, when this renewal's request was seen on the channels (a Lease lock's PATCH).
        const created = createdAt[i]!;
        if (created >= sent) {
          recordMs(split.driver, created - sent);
          recordMs(split.undici, headersSentAt[i]! - created);
          recordMs(split.wire, endedAt[i]! - headersSentAt[i]!);
          recordMs(split.after, input.at - endedAt[i]!);
        }
      }
      sentAt[i] = Number.NaN;
    }
    if (from === 'leader' && to === 'leader')
      for (let k = 0; k < effects.length; k += 1) if (effects[k]!.type === 'updateLock') sentAt[i] = input.at;
  });
  return election;
});

const started = performance.now();
if (values.stagger)
  elections.forEach((e, i) => {
    setTimeout(() => void e.acquire(), (i * 2000) / N);
  });
else for (const e of elections) void e.acquire();
await warmUp(() => elections.filter((e) => e.isLeader()).length, N);
console.log(
  `${N} ${kind} elections; leading after the warm-up: ${elections.filter((e) => e.isLeader()).length}`,
);

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// Bytes allocated on the V8 heap over the window: what its collections freed plus the used heap's growth.
const gcProfiler = new GCProfiler();
const heapUsed0 = process.memoryUsage().heapUsed;
gcProfiler.start();
const cpu0 = process.cpuUsage();
const connections0 = connections;
measuringStarts();
windowStart = performance.now();
maxInFlight = inFlight;
measuring = true;
await sleep(SECONDS * 1000);
measuring = false;
loop.disable();
const cpu = process.cpuUsage(cpu0);
const heapUsed1 = process.memoryUsage().heapUsed;
const gcStats = gcProfiler.stop();
let freed = 0;
for (const collection of gcStats?.statistics ?? [])
  freed += collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize;
// Without the instrumentation nothing counts the renewals: the ones due (one per election per 2 s) stand in.
const counted = instrument ? renewals : (N * SECONDS) / 2;
const allocated = freed + heapUsed1 - heapUsed0;
const allocatedPerRenewalKiB = allocated / Math.max(1, counted) / 1024;
const allocatedMiBPerMin = allocated / 2 ** 20 / (SECONDS / 60);
const collectionsPerRenewal = (gcStats?.statistics.length ?? 0) / Math.max(1, counted);
// The RSS now (not the peak: the comparison subtracts two runs' RSS at the same moment of their window).
const usage = process.memoryUsage();
const rssMiB = usage.rss / 2 ** 20;
// Where the RSS is: V8's heap as reserved (live objects and the room for garbage), and memory outside it.
const where = [usage.heapTotal, usage.external, usage.arrayBuffers].map((b) => (b / 2 ** 20).toFixed(1));
const peakMiB = process.resourceUsage().maxRSS / 1024;
// What stays live: the used heap after a full collection, when the process runs with --expose-gc.
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const liveHeapMiB = gc ? process.memoryUsage().heapUsed / 2 ** 20 : NaN;
const minutes = SECONDS / 60;
const pct = (p: number) => pctMs(split.total, p);
const parts = (['driver', 'undici', 'wire', 'after'] as const).map(
  (k) => `${pctMs(split[k], 50).toFixed(1)} / ${pctMs(split[k], 99).toFixed(1)}`,
);
const busiest = Math.max(...sendsPer100ms);
const meanSends = sendsPer100ms.reduce((a, b) => a + b, 0) / sendsPer100ms.length;
const leadingAtEnd = elections.filter((e) => e.isLeader()).length;
const cpuPerMin = (cpu.user + cpu.system) / 1e6 / minutes;
report(
  [
    ['elections', `${N} (${kind})`],
    ['leading at the end', String(leadingAtEnd)],
    // memoryUsage and getrusage need no file descriptor, which a run at its ulimit -n may not have.
    ['RSS at the end / peak', `${rssMiB.toFixed(1)} / ${peakMiB.toFixed(1)} MiB`],
    ['V8 heap reserved / external / array buffers at the end', `${where.join(' / ')} MiB`],
    ['live heap after a full collection', gc ? `${liveHeapMiB.toFixed(1)} MiB` : 'run with --expose-gc'],
    ['CPU', `${cpuPerMin.toFixed(1)} CPU-s/min`],
    ['renewals measured', instrument ? String(renewals) : '(--no-latency)'],
    ['renewal p50 / p99', `${pct(50).toFixed(1)} ms / ${pct(99).toFixed(1)} ms`],
    [
      'split p50 / p99 (ms): driver, undici queue, wire and server, answer to step',
      kind === 'lease' ? parts.join(', ') : '-',
    ],
    [
      'renewal PATCHes started per 100 ms: busiest / mean; in flight at most',
      kind === 'lease' ? `${busiest} / ${meanSends.toFixed(1)}; ${maxInFlight}` : '-',
    ],
    ['allocated per minute', `${allocatedMiBPerMin.toFixed(1)} MiB (V8 heap, whole process)`],
    ['allocated per renewal', `${allocatedPerRenewalKiB.toFixed(1)} KiB (V8 heap, whole process)`],
    ['collections per renewal', collectionsPerRenewal.toFixed(3)],
    ['event-loop delay p99', `${(loop.percentile(99) / 1e6).toFixed(1)} ms`],
    ['new connections', `${((connections - connections0) / minutes).toFixed(0)} /min`],
    ['failed lock requests', String(failures)],
    ['wall time', `${((performance.now() - started) / 1000).toFixed(0)} s`],
  ],
  {
    elections: N,
    leading: leadingAtEnd,
    rssMiB,
    peakMiB,
    liveHeapMiB,
    cpuPerMin,
    renewals,
    p50: pct(50),
    p99: pct(99),
    driverP50: pctMs(split.driver, 50),
    driverP99: pctMs(split.driver, 99),
    undiciP50: pctMs(split.undici, 50),
    undiciP99: pctMs(split.undici, 99),
    wireP50: pctMs(split.wire, 50),
    wireP99: pctMs(split.wire, 99),
    afterP50: pctMs(split.after, 50),
    afterP99: pctMs(split.after, 99),
    sendsPer100msMax: busiest,
    sendsPer100msMean: meanSends,
    maxInFlight,
    connections: connections - connections0,
    allocatedMiBPerMin,
    allocatedPerRenewalKiB,
    collectionsPerRenewal,
    loopDelayP99: loop.percentile(99) / 1e6,
    failures,
  },
);
await Promise.all(elections.map((e) => e.stop()));
await plane?.stop();
process.exit(0);
