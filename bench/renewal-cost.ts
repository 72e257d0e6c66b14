/**
 * What one renewal costs the process that sends it: one LeaseLock renewing one Lease N times in a row
 * (`update` with the version the last one answered, as the elector renews), against the test control plane
 * (or `--kubeconfig FILE`). Prints CPU-ms per renewal (this process's user+system time; the API server is
 * another process) and bytes allocated on the V8 heap per renewal: what the collections freed during the
 * run (v8.GCProfiler, each collection's used heap before minus after) plus the growth of the used heap.
 * A first `--warmup` renewals are not counted (JIT, the first connection). Not a test: numbers to compare
 * before/after in one sitting on one machine.
 *
 *   node --conditions=source bench/renewal-cost.ts [--renewals 2000] [--warmup 200] [--rounds 3]
 *     [--module FILE]
 *
 * `--module FILE` takes `LeaseLock` from FILE instead of `@leasehold/lease`: another version of the package's
 * source (an earlier commit's `packages/lease/src` unpacked inside packages/lease, so it resolves the same
 * dependencies), to compare the two in one sitting.
 */

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GCProfiler } from 'node:v8';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import type { LeaseLock as LeaseLockType } from '@leasehold/lease';

const { values } = parseArgs({
  options: {
    renewals: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    kubeconfig: { type: 'string' },
    module: { type: 'string' },
  },
});
const renewals = Number(values.renewals);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);

const { LeaseLock } = (await import(
  values.module ? pathToFileURL(values.module).href : '@leasehold/lease'
)) as { LeaseLock: typeof LeaseLockType };

const plane = values.kubeconfig ? undefined : await startControlPlane();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(values.kubeconfig ?? plane!.kubeconfig);

const lock = new LeaseLock({
  name: `renewal-cost-${process.pid}`,
  namespace: 'default',
  identity: 'bench',
  kubeConfig,
});
const record = (now: Date) => ({
  holderIdentity: 'bench',
  leaseDurationSeconds: 15,
  acquireTime: now,
  renewTime: now,
  leaderTransitions: 0,
});
let version = (await lock.create(record(new Date()))).version;

/** Renews `n` times in a row; each renewal carries the version the previous one answered. */
async function renew(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) version = (await lock.update(record(new Date()), version)).version;
}

try {
  await renew(warmup);
  for (let round = 1; round <= rounds; round += 1) {
    const profiler = new GCProfiler();
    const usedBefore = process.memoryUsage().heapUsed;
    profiler.start();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await renew(renewals);
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = performance.now() - started;
    const usedAfter = process.memoryUsage().heapUsed;
    const stats = profiler.stop();
    let freed = 0;
    for (const gc of stats?.statistics ?? [])
      freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    const allocated = freed + usedAfter - usedBefore;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      JSON.stringify({
        round,
        module: values.module ?? '@leasehold/lease',
        renewals,
        cpuMsPerRenewal: +(cpuMs / renewals).toFixed(3),
        allocatedKiBPerRenewal: +(allocated / renewals / 1024).toFixed(1),
        wallMsPerRenewal: +(wallMs / renewals).toFixed(3),
        collections: stats?.statistics.length ?? 0,
        rssMiB: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
      }),
    );
  }
} finally {
  await plane?.stop();
}
process.exit(0);
