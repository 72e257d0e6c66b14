/**
 * Leasehold beside client-go in one sitting (issue 25): on one test control plane, bench/scale.ts runs at 1
 * and at N elections for each (Leasehold's Lease lock in a Node process, client-go's electors in one Go
 * process), one case after the other, each in its own process. Per case: RSS at the end of the measuring
 * window, CPU, and from a watch on the case's Leases how close to schedule the renewals were
 * (bench/renewal-schedule.ts). Marginal memory per election is (RSS at N - RSS at 1) / (N - 1), for both.
 * Renewal latency, send to answer, for both (issue 25): Leasehold's from its elections' steps, split at
 * undici's diagnostics channels; client-go's from its lock's Update, split at the transport
 * (tools/interop/client-go/timing.go); and how bunched the renewals are (requests started per 100 ms).
 *
 * `--contend DUTY` runs one busy-loop process per core (bench/cpu-load.ts, busy for DUTY of every 100 ms)
 * beside every case: the same fixed load for both implementations. `--memory-limit MIB` runs every case in a
 * memory cgroup of its own with that limit, as a pod's `resources.limits.memory` does (bench/memory-limit.ts):
 * the same limit for both; Node sizes V8's heap from it, Go does not read it.
 *
 *   scripts/bench.sh --scale --compare [--elections 1000] [--seconds 60] [--warmup 20] [--contend 0.5]
 *                                      [--rounds 1] [--kubeconfig FILE] [--stagger] [--memory-limit MIB]
 *                                      [--renew-jitter F]   # Leasehold only: bench/scale.ts's prototype
 *
 * Prints each case's own table, then the comparison (ratios Leasehold / client-go), the machine's load
 * average before and after, and the command.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { createMemoryCgroup } from './memory-limit.ts';
import { RenewalSchedule, type ScheduleResult } from './renewal-schedule.ts';

const { values } = parseArgs({
  options: {
    elections: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '20' },
    contend: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    kubeconfig: { type: 'string' },
    stagger: { type: 'boolean', default: false },
    'renew-jitter': { type: 'string' },
    'memory-limit': { type: 'string' },
  },
  strict: false,
});
const N = Number(values.elections);
const RETRY_PERIOD = 2; // bench/scale.ts's timings: client-go's 15 s, 10 s, 2 s
const duty = values.contend === undefined ? undefined : Number(values.contend);
const rounds = Number(values.rounds);
const memoryLimit = values['memory-limit'] === undefined ? undefined : Number(values['memory-limit']);
const command = `scripts/bench.sh --scale ${process.argv.slice(2).join(' ')}`;
const load0 = loadavg();

const plane = values.kubeconfig ? undefined : await startControlPlane();
const kubeconfig = (values.kubeconfig as string | undefined) ?? plane!.kubeconfig;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfig);

type Kind = 'lease' | 'client-go';
type Measures = Record<string, number> & { schedule?: ScheduleResult };

/** Starts the fixed load: one busy-loop process per core. */
function startLoad(): ChildProcess[] {
  if (duty === undefined) return [];
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, [join(import.meta.dirname, 'cpu-load.ts'), String(duty)], { stdio: 'inherit' }),
  );
}

/** Runs bench/scale.ts for one case in its own process; its measures and the schedule of its renewals. */
async function runCase(kind: Kind, elections: number, prefix: string): Promise<Measures> {
  const schedule = new RenewalSchedule(kubeConfig, 'default', prefix, RETRY_PERIOD);
  await schedule.start();
  const load = startLoad();
  const cgroup =
    memoryLimit === undefined ? undefined : createMemoryCgroup(memoryLimit, `leasehold-${prefix}`);
  const [command, args] = (cgroup?.wrap ?? ((c: string, a: readonly string[]) => [c, [...a]] as const))(
    process.execPath,
    [
      '--conditions=source',
      '--expose-gc',
      join(import.meta.dirname, 'scale.ts'),
      ...['--kind', kind, '--elections', String(elections), '--prefix', prefix, '--json'],
      ...['--kubeconfig', kubeconfig, '--seconds', String(values.seconds), '--warmup', String(values.warmup)],
      ...(values.stagger ? ['--stagger'] : []),
      ...(values['renew-jitter'] ? ['--renew-jitter', String(values['renew-jitter'])] : []),
    ],
  );
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let result: Measures | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) {
      console.log(`  ${line}`);
      return;
    }
    const event = JSON.parse(line) as { phase: string; t?: number } & Record<string, number>;
    if (event.phase === 'measuring') schedule.open(event.t!);
    else if (event.phase === 'result') {
      result = event;
      result.schedule = schedule.close(Date.now());
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (const p of load) p.kill('SIGKILL');
  cgroup?.remove();
  if (!result)
    throw new Error(`bench/scale.ts --kind ${kind} --elections ${elections} exited ${code} without a result`);
  return result;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');

for (let round = 1; round <= rounds; round += 1) {
  const cases: Record<string, Measures> = {};
  for (const [kind, n] of [
    ['lease', 1],
    ['client-go', 1],
    ['lease', N],
    ['client-go', N],
  ] as const) {
    console.log(
      `\n## ${kind} at ${n}${duty === undefined ? '' : `, beside ${availableParallelism()} x ${duty} CPU load`}${memoryLimit === undefined ? '' : `, memory limit ${memoryLimit} MiB`}`,
    );
    cases[`${kind}@${n}`] = await runCase(kind, n, `r${round}-${kind}-${n}-${process.pid}`);
  }
  const side = (kind: Kind) => {
    const one = cases[`${kind}@1`]!;
    const many = cases[`${kind}@${N}`]!;
    const s = many.schedule!;
    return {
      rss1: one.rssMiB!,
      rssN: many.rssMiB!,
      marginalKiB: ((many.rssMiB! - one.rssMiB!) * 1024) / (N - 1),
      peakN: many.peakMiB!,
      cpu1: one.cpuPerMin!,
      cpuN: many.cpuPerMin!,
      leading: many.leading!,
      onTime: (100 * s.onTime) / s.renewals,
      renewals: s.renewals,
      renewalsPerMin: s.renewals / (Number(values.seconds) / 60),
      worst: s.worstLatenessMs,
      p99Late: s.p99LatenessMs,
      watch: `${s.events} events, ${s.restarts} restarts`,
    };
  };
  const l = side('lease');
  const g = side('client-go');
  const lease = cases[`lease@${N}`]!;
  const go = cases[`client-go@${N}`]!;
  const rows: [string, string, string, string][] = [
    [`leading at ${N}`, String(l.leading), String(g.leading), ''],
    ['RSS at 1 (MiB)', fmt(l.rss1), fmt(g.rss1), ratio(l.rss1, g.rss1)],
    [`RSS at ${N} (MiB)`, fmt(l.rssN), fmt(g.rssN), ratio(l.rssN, g.rssN)],
    [
      'marginal per election (KiB)',
      fmt(l.marginalKiB, 0),
      fmt(g.marginalKiB, 0),
      ratio(l.marginalKiB, g.marginalKiB),
    ],
    [`peak RSS at ${N} (MiB)`, fmt(l.peakN), fmt(g.peakN), ratio(l.peakN, g.peakN)],
    ['CPU at 1 (CPU-s/min)', fmt(l.cpu1, 2), fmt(g.cpu1, 2), ratio(l.cpu1, g.cpu1)],
    [`CPU at ${N} (CPU-s/min)`, fmt(l.cpuN), fmt(g.cpuN), ratio(l.cpuN, g.cpuN)],
    [
      'renewals seen (per min)',
      fmt(l.renewalsPerMin, 0),
      fmt(g.renewalsPerMin, 0),
      ratio(l.renewalsPerMin, g.renewalsPerMin),
    ],
    ['sent within one retry period of schedule', `${fmt(l.onTime, 2)}%`, `${fmt(g.onTime, 2)}%`, ''],
    [
      'lateness p99 / worst (ms)',
      `${fmt(l.p99Late, 0)} / ${fmt(l.worst, 0)}`,
      `${fmt(g.p99Late, 0)} / ${fmt(g.worst, 0)}`,
      ratio(l.worst, g.worst),
    ],
    [
      'renewal p50 / p99, send to answer (ms)',
      `${fmt(lease.p50!)} / ${fmt(lease.p99!)}`,
      `${fmt(go.p50!)} / ${fmt(go.p99!)}`,
      ratio(lease.p99!, go.p99!),
    ],
    [
      'on the wire and the server p50 / p99 (ms)',
      `${fmt(lease.wireP50!)} / ${fmt(lease.wireP99!)}`,
      `${fmt(go.wireP50!)} / ${fmt(go.wireP99!)}`,
      ratio(lease.wireP99!, go.wireP99!),
    ],
    [
      'Leasehold: in the driver / undici queue / answer to step, p99 (ms)',
      `${fmt(lease.driverP99!)} / ${fmt(lease.undiciP99!)} / ${fmt(lease.afterP99!)}`,
      `client-go, headers to body closed: ${fmt(go.bodyP99!)}`,
      '',
    ],
    [
      'renewals started per 100 ms: busiest / mean',
      `${fmt(lease.sendsPer100msMax!, 0)} / ${fmt(lease.sendsPer100msMean!)}`,
      `${fmt(go.sendsPer100msMax!, 0)} / ${fmt(go.sendsPer100msMean!)}`,
      '',
    ],
    ['renewal requests in flight at most', fmt(lease.maxInFlight!, 0), fmt(go.maxInFlight!, 0), ''],
    [
      `live heap at 1 / ${N} (MiB, after a full collection)`,
      `${fmt(cases['lease@1']!.liveHeapMiB!)} / ${fmt(lease.liveHeapMiB!)}`,
      '',
      '',
    ],
    ['allocated per renewal (KiB, V8 heap)', fmt(lease.allocatedPerRenewalKiB!), '', ''],
    ['collections per renewal', fmt(lease.collectionsPerRenewal!, 3), '', ''],
    ['event-loop delay p99 (ms)', fmt(lease.loopDelayP99!), '', ''],
    ['failed lock requests', String(lease.failures), '', ''],
  ];
  console.log(
    `\n## Round ${round}: ${N} elections, Leasehold beside client-go${duty === undefined ? '' : `, ${availableParallelism()} x ${duty} CPU load`}${memoryLimit === undefined ? '' : `, each in a ${memoryLimit} MiB memory limit`}`,
  );
  console.log('| measure | Leasehold | client-go | ratio |\n| --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
const load1 = loadavg();
console.log(`\ncommand: ${command}`);
console.log(
  `load average (1, 5, 15 min) before: ${load0.map((x) => x.toFixed(2)).join(', ')}; after: ${load1.map((x) => x.toFixed(2)).join(', ')}`,
);
await plane?.stop();
