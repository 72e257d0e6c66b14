/**
 * Benchmark: many elections in one process (issue 15's shape). N Lease elections (or memory-lock ones), one
 * candidate each, all leading, in this process, on the test control plane started here; after a warm-up,
 * over a measuring window: RSS, CPU seconds per minute, renewal latency (p50, p99: from sending the write
 * to its answer, from the elections' own transitions), event-loop delay (p99), new TCP connections per
 * minute (undici's diagnostics channel), lock requests that failed, and how many lead at the end.
 *
 *   scripts/bench.sh --scale [--elections 1000] [--kind lease|memory] [--seconds 60] [--warmup 20]
 *                            [--kubeconfig FILE]   # an existing cluster (tools/kube/up.ts), e.g. under ulimit -n
 *
 * Timings are client-go's (15 s, 10 s, 2 s). Run it with `ulimit -n 1024` to see the file-descriptor bound.
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { ElectionConfig, LeaderElection, type Lock } from '@leasehold/core';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { LeaseLock } from '@leasehold/lease';
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
const kind = values.kind === 'memory' ? 'memory' : 'lease';

const plane = kind === 'lease' && !values.kubeconfig ? await startControlPlane() : undefined;
const kubeConfig = new KubeConfig();
const kubeconfigFile = values.kubeconfig ?? plane?.kubeconfig;
if (kubeconfigFile) kubeConfig.loadFromFile(kubeconfigFile);
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
    kind === 'lease'
      ? new LeaseLock({ name: `scale-${i}`, namespace: 'default', identity: 'bench', kubeConfig })
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
