/**
 * How many sockets a process opens while many Lease elections start: 10 elections lead first (so the
 * Leases' shared watch is live), then `--add` more start at once; until all lead (at most two minutes) the
 * process's open sockets are counted every 250 ms (/proc/self/fd). Prints how long they took to lead, the
 * CPU it cost, the peak and final socket counts and RSS, and the sockets 20 s later. Each lock joining the
 * live shared watch opens a watch of its own until the shared stream catches up (shared-watch.ts), and
 * client-node's `Watch` makes a new dispatcher, so a TLS connection, for each.
 *
 *   node --conditions=source bench/startup-sockets.ts [--add 300] [--kubeconfig FILE]
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { LeaderElection } from '@leasehold/core';
import { startControlPlane } from '@leasehold/kube-tools/control-plane.ts';
import { LeaseLock } from '@leasehold/lease';
import { benchElection } from './bench-election.ts';

const { values } = parseArgs({
  options: { add: { type: 'string', default: '300' }, kubeconfig: { type: 'string' } },
});
const ADD = Number(values.add);
const plane = values.kubeconfig ? undefined : await startControlPlane();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(values.kubeconfig ?? plane!.kubeconfig);

const sockets = () =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
const elections: LeaderElection[] = [];
const leading = () => elections.filter((e) => e.isLeader()).length;
const rssMiB = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);

function start(count: number): void {
  for (let i = 0; i < count; i += 1) {
    const lock = new LeaseLock({
      name: `sockets-${process.pid}-${elections.length}`,
      namespace: 'default',
      identity: 'bench',
      kubeConfig,
    });
    const election = benchElection(lock);
    void election.acquire();
    elections.push(election);
  }
}

start(10);
await sleep(8000);
console.log(`10 elections: ${leading()} leading, ${sockets()} sockets`);
const started = performance.now();
const cpu0 = process.cpuUsage();
start(ADD);
let peak = 0;
while (leading() < elections.length && performance.now() - started < 120_000) {
  peak = Math.max(peak, sockets());
  await sleep(250);
}
const cpu = process.cpuUsage(cpu0);
console.log(
  `${elections.length} elections: ${leading()} leading after ${((performance.now() - started) / 1000).toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; sockets at the peak ${peak}, now ${sockets()}; RSS ${rssMiB()} MiB`,
);
await sleep(20_000);
console.log(`20 s later: ${sockets()} sockets, RSS ${rssMiB()} MiB`);
await Promise.all(elections.map((e) => e.stop()));
await plane?.stop();
process.exit(0);
