/**
 * Basic: leader election on a Lease. Start it several times (in several pods, or terminals): one copy
 * leads and runs its work loop, the others wait and take over when it goes.
 *
 *   scripts/example.sh basic [--name basic-example] [--namespace default] [--run-for SECONDS]
 *                            [--lease-duration 15 --renew-deadline 10 --retry-period 2]
 *
 * Needs RBAC verbs get, create, patch (and watch, for fast handover; update is never sent) on leases.coordination.k8s.io.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';

const options = parseOptions('basic-example');
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);

const lock = new LeaseLock({
  name: options.name,
  namespace: options.namespace,
  identity: options.identity,
  kubeConfig: loadKubeConfig(),
});

const election = new LeaderElection(
  new ElectionConfig({
    lock,
    leaseDuration: options.leaseDuration,
    renewDeadline: options.renewDeadline,
    retryPeriod: options.retryPeriod,
    // The leader's work: runs until `work` aborts (leadership lost or election stopped).
    onStartedLeading: async (work) => {
      log('started leading');
      for (let tick = 1; !work.aborted; tick += 1) {
        log(`working (tick ${tick})`);
        await sleep(1_000, undefined, { signal: work }).catch(() => {});
      }
      log('work loop ended');
    },
    onStoppedLeading: () => log('stopped leading'),
    onNewLeader: (leader) =>
      log(leader === options.identity ? 'I am the leader now' : `the leader is ${leader}`),
    onError: (error) => log(`election error: ${String(error)}`),
  }),
  { signal },
);

log(`campaigning for ${lock.describe()}`);
// run() returns when leadership ends; loop to stay a candidate until shut down.
while (!signal.aborted) await election.run();
log('exited cleanly');
