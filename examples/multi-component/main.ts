/**
 * Multi-component: two independent elections in one process, each with its own Lease and timings, for a
 * binary that hosts several components (say a scheduler and a reporter) whose active instances may live in
 * different replicas. Stopping one election leaves the other untouched.
 *
 *   scripts/example.sh multi-component [--name multi] [--namespace default] [--run-for SECONDS]
 *                                      [--stop-reporter-after SECONDS]
 *
 * The Leases are `<name>-scheduler` (lease 4 s, renew deadline 3 s, retry 1 s) and `<name>-reporter`
 * (lease 8 s, renew deadline 6 s, retry 2 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';

const options = parseOptions('multi', ['stop-reporter-after']);
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);
const kubeConfig = loadKubeConfig();

/** One component: its own election, stopped by the process's shutdown or by its own `stop` controller. */
function component(name: string, timing: { lease: number; renew: number; retry: number }) {
  const say = (message: string) => log(`[${name}] ${message}`);
  const own = new AbortController();
  const stopped = AbortSignal.any([signal, own.signal]);
  const election = new LeaderElection(
    new ElectionConfig({
      lock: new LeaseLock({
        name: `${options.name}-${name}`,
        namespace: options.namespace,
        identity: options.identity,
        kubeConfig,
      }),
      leaseDuration: timing.lease,
      renewDeadline: timing.renew,
      retryPeriod: timing.retry,
      onStartedLeading: async (work) => {
        say('started leading');
        while (!work.aborted) await sleep(500, undefined, { signal: work }).catch(() => {});
      },
      onStoppedLeading: () => say('stopped leading'),
      onError: (error) => say(`election error: ${String(error)}`),
    }),
    { signal: stopped },
  );
  const campaign = async () => {
    while (!stopped.aborted) await election.run();
  };
  return { stop: () => own.abort(), campaign };
}

const scheduler = component('scheduler', { lease: 4, renew: 3, retry: 1 });
const reporter = component('reporter', { lease: 8, renew: 6, retry: 2 });

const stopAfter = options.extra['stop-reporter-after'];
if (stopAfter !== undefined) {
  setTimeout(() => {
    log('[reporter] stopping this election only');
    reporter.stop();
  }, Number(stopAfter) * 1000).unref();
}

await Promise.all([scheduler.campaign(), reporter.campaign()]);
log('exited cleanly');
