/**
 * Graceful shutdown: on SIGINT or SIGTERM (what Kubernetes sends a pod before killing it), the leader
 * finishes the job in hand, stops taking new ones, releases the Lease so the next replica takes over at once
 * instead of waiting out the lease, and exits 0. Keep terminationGracePeriodSeconds longer than your longest
 * job plus a renewal.
 *
 *   scripts/example.sh graceful-shutdown [--name graceful] [--namespace default] [--job-seconds 1.5]
 *                                        [--run-for SECONDS] [timing flags as in basic]
 *
 * The order is the library's guarantee: `stop()` aborts the work signal, waits for the work's promise while
 * still renewing the lease (so nobody else starts before this work has ended), then releases, then calls
 * onStoppedLeading.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';

const options = parseOptions('graceful', ['job-seconds']);
const jobMs = Number(options.extra['job-seconds'] ?? 1.5) * 1000;
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);

/** Jobs run to completion: the abort only stops the loop from taking the next one. */
async function work(stop: AbortSignal): Promise<void> {
  log('started leading');
  for (let job = 1; !stop.aborted; job += 1) {
    log(`job ${job} started`);
    await sleep(jobMs); // deliberately not cancelled: a half-done job is what graceful shutdown avoids
    log(`job ${job} finished`);
  }
  log('work finished cleanly');
}

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
    releaseOnCancel: true, // the default, spelled out: stop() writes an empty holder
    onStartedLeading: work,
    onStoppedLeading: () => log('stopped leading; lease released'),
    onError: (error) => log(`election error: ${String(error)}`),
  }),
  { signal },
);

while (!signal.aborted) await election.run();
log('exited cleanly');
