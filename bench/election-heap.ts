/**
 * What one election holds on the V8 heap: BASE elections (all leading), a heap snapshot, ADD more (all
 * leading, a few renewals each), a second snapshot; then the groups (constructors, closures, strings, V8
 * internals) that grew, divided by ADD: the heap each added election keeps, and what keeps it
 * (bench/heap-snapshot.ts). Also the used heap after a full collection at both points (`--expose-gc`).
 *
 *   node --conditions=source --expose-gc bench/election-heap.ts [--kind lease|memory] [--base 10] [--add 200]
 *        [--settle 12] [--top 25] [--kubeconfig FILE]
 *
 * `--kind lease` runs on the test control plane (started here unless `--kubeconfig`), as bench/scale.ts does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import type { LeaderElection, Lock } from '@leasehold/core';
import { MemoryLockStore } from '@leasehold/memory';
import { benchElection } from './bench-election.ts';
import { compareSnapshots, HeapSnapshot } from './heap-snapshot.ts';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'memory' },
    base: { type: 'string', default: '10' },
    add: { type: 'string', default: '200' },
    settle: { type: 'string', default: '12' },
    top: { type: 'string', default: '25' },
    kubeconfig: { type: 'string' },
  },
});
const BASE = Number(values.base);
const ADD = Number(values.add);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const kube =
  values.kind === 'lease'
    ? {
        ...(await import('@kubernetes/client-node')),
        ...(await import('@leasehold/kube-tools/control-plane.ts')),
        ...(await import('@leasehold/lease')),
      }
    : undefined;
const plane = kube && !values.kubeconfig ? await kube.startControlPlane() : undefined;
const kubeConfig = kube ? new kube.KubeConfig() : undefined;
if (kube) kubeConfig!.loadFromFile(values.kubeconfig ?? plane!.kubeconfig);
const store = new MemoryLockStore();
const prefix = `heap-${process.pid}`;
const elections: LeaderElection[] = [];

function start(count: number): void {
  for (let i = 0; i < count; i += 1) {
    const name = `${prefix}-${elections.length}`;
    const lock: Lock = kube
      ? new kube.LeaseLock({ name, namespace: 'default', identity: 'bench', kubeConfig: kubeConfig! })
      : store.lock(name, 'bench');
    const election = benchElection(lock);
    void election.acquire();
    elections.push(election);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'election-heap-'));
/** Waits, collects, and writes a snapshot; it is read only after both are written (a read one is heap too). */
async function settleAndSnapshot(label: string): Promise<{ file: string; heapUsed: number }> {
  await sleep(Number(values.settle) * 1000);
  const leading = elections.filter((e) => e.isLeader()).length;
  gc!();
  const heapUsed = process.memoryUsage().heapUsed;
  const file = writeHeapSnapshot(join(dir, `${label}.heapsnapshot`));
  console.log(
    `${label}: ${elections.length} elections, ${leading} leading, heap used ${(heapUsed / 2 ** 20).toFixed(1)} MiB`,
  );
  return { file, heapUsed };
}

start(BASE);
const before = await settleAndSnapshot('before');
start(ADD);
const after = await settleAndSnapshot('after');
await Promise.all(elections.map((e) => e.stop()));
await plane?.stop();

const beforeSnapshot = new HeapSnapshot(before.file);
const afterSnapshot = new HeapSnapshot(after.file);
const comparison = compareSnapshots(beforeSnapshot, afterSnapshot, Number(values.top), 12);
const perElection = (bytes: number) => (bytes / ADD).toFixed(0);
console.log(
  `\nper added election: used heap ${perElection(after.heapUsed - before.heapUsed)} B; snapshot ${perElection(comparison.afterBytes - comparison.beforeBytes)} B (V8 internals ${perElection(comparison.engineBytesDelta)} B)`,
);
console.log(
  '| group | objects per election | bytes per election | held by (new objects) |\n| --- | ---: | ---: | --- |',
);
for (const g of comparison.growths)
  console.log(
    `| ${g.group} | ${(g.countDelta / ADD).toFixed(1)} | ${perElection(g.bytesDelta)} | ${g.heldBy.join('; ')} |`,
  );
// Where the new objects' bytes sit: every object allocated between the snapshots and still alive, by holder.
const known = beforeSnapshot.ids();
const fresh: number[] = [];
for (let n = 0; n < afterSnapshot.nodeCount; n += 1) if (!known.has(afterSnapshot.id(n))) fresh.push(n);
console.log('\n| held by | bytes per election |\n| --- | ---: |');
for (const [holder, bytes] of [...afterSnapshot.holderBytes(fresh)].slice(0, Number(values.top)))
  console.log(`| ${holder} | ${perElection(bytes)} |`);
for (const g of comparison.growths.slice(0, 12))
  if (g.examplePath) console.log(`- ${g.group}: ${g.examplePath}`);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
