/**
 * Benchmark: many elections in one process (issue 15's shape). N Lease elections (or memory-lock ones), one
 * candidate each, all leading, in this process, on the test control plane started here; after a warm-up,
 * over a measuring window: RSS, CPU seconds per minute, renewal latency (p50, p99: from sending the write
 * to its answer, from the elections' own transitions), event-loop delay (p99), new TCP connections per
 * minute (undici's diagnostics channel), lock requests that failed, and how many lead at the end.
 *
 *   scripts/bench.sh --scale [--elections 1000] [--kind lease|memory|client-go] [--seconds 60] [--warmup 20]
 *                            [--kubeconfig FILE]   # an existing cluster (tools/kube/up.ts), e.g. under ulimit -n
 *
 * Timings are client-go's (15 s, 10 s, 2 s). Run it with `ulimit -n 1024` to see the file-descriptor bound.
 */
import { spawn } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ElectionConfig, LeaderElection, type Lock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';

const { values } = parseArgs({
  options: {
    elections: { type: 'string', default: '1000' },
    kind: { type: 'string', default: 'lease' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '20' },
    // An existing cluster instead of starting one: for a run under `ulimit -n` that the API server must not share.
    kubeconfig: { type: 'string' },
  },
});
const N = Number(values.elections);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const kind = values.kind === 'memory' ? 'memory' : values.kind === 'client-go' ? 'client-go' : 'lease';

// Loaded only for a run on the control plane, so a memory-lock run measures the core and the store alone.
const kube =
  kind === 'memory'
    ? undefined
    : {
        ...(await import('@kubernetes/client-node')),
        ...(await import('@leasehold/kube-tools/control-plane.ts')),
        ...(await import('@leasehold/lease')),
      };
const plane = kube && !values.kubeconfig ? await kube.startControlPlane() : undefined;
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
      LOCK_NAME: 'scale-go',
      ELECTORS: String(N),
      LEASE_DURATION: '15',
      RENEW_DEADLINE: '10',
      RETRY_PERIOD: '2',
      QPS: '1000',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const leading = new Set<string>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { event?: string; lock?: string };
    if (event.event === 'started' && event.lock) leading.add(event.lock);
  });
  const cpuSeconds = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  };
  const status = (key: string) =>
    Number(
      readFileSync(`/proc/${child.pid}/status`, 'utf8').match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? NaN,
    );
  await sleep(WARMUP * 1000);
  console.log(`${N} client-go electors; leading after ${WARMUP} s warm-up: ${leading.size}`);
  const cpu0 = cpuSeconds();
  await sleep(SECONDS * 1000);
  const cpu = cpuSeconds() - cpu0;
  const rows = [
    ['electors', `${N} (client-go, one process)`],
    ['leading (ever started)', String(leading.size)],
    ['peak RSS', `${(status('VmHWM') / 1024).toFixed(0)} MiB`],
    ['CPU', `${(cpu / (SECONDS / 60)).toFixed(1)} CPU-s/min`],
    ['threads', String(status('Threads'))],
  ];
  console.log('| measure | value |\n| --- | ---: |');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
const store = new MemoryLockStore();

let connections = 0;
subscribe('undici:client:connected', () => {
  connections += 1;
});
let measuring = false;
const latencies: number[] = [];
let failures = 0;

const elections = Array.from({ length: N }, (_, i) => {
  const lock: Lock =
    kube && kubeConfig
      ? new kube.LeaseLock({ name: `scale-${i}`, namespace: 'default', identity: 'bench', kubeConfig })
      : store.lock(`scale-${i}`, 'bench');
  const election = new LeaderElection(
    new ElectionConfig({
      lock,
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: () => {},
    }),
  );
  let sentAt: number | null = null;
  election.subscribe(({ input, from, to, effects }) => {
    if (input.type === 'LOCK_FAILED' && measuring) failures += 1;
    if ((input.type === 'LOCK_WRITTEN' || input.type === 'LOCK_FAILED') && sentAt !== null) {
      if (measuring && input.type === 'LOCK_WRITTEN') latencies.push(input.at - sentAt);
      sentAt = null;
    }
    if (from === 'leader' && to === 'leader' && effects.some((e) => e.type === 'updateLock'))
      sentAt = input.at;
  });
  return election;
});

const started = performance.now();
for (const e of elections) void e.acquire();
await sleep(WARMUP * 1000);
console.log(
  `${N} ${kind} elections; leading after ${WARMUP} s warm-up: ${elections.filter((e) => e.isLeader()).length}`,
);

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const cpu0 = process.cpuUsage();
const connections0 = connections;
measuring = true;
await sleep(SECONDS * 1000);
measuring = false;
loop.disable();
const cpu = process.cpuUsage(cpu0);
const minutes = SECONDS / 60;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? NaN;
const rows = [
  ['elections', `${N} (${kind})`],
  ['leading at the end', String(elections.filter((e) => e.isLeader()).length)],
  // Peak RSS from getrusage: reading /proc for the current RSS needs a file descriptor, which a run at its
  // ulimit -n may not have.
  ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`],
  ['CPU', `${((cpu.user + cpu.system) / 1e6 / minutes).toFixed(1)} CPU-s/min`],
  ['renewals measured', String(latencies.length)],
  ['renewal p50 / p99', `${pct(50).toFixed(1)} ms / ${pct(99).toFixed(1)} ms`],
  ['event-loop delay p99', `${(loop.percentile(99) / 1e6).toFixed(1)} ms`],
  ['new connections', `${((connections - connections0) / minutes).toFixed(0)} /min`],
  ['failed lock requests', String(failures)],
  ['wall time', `${((performance.now() - started) / 1000).toFixed(0)} s`],
];
console.log('| measure | value |\n| --- | ---: |');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
await Promise.all(elections.map((e) => e.stop()));
await plane?.stop();
process.exit(0);
