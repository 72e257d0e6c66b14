/**
 * Custom lock: an election on the user-written SecretLock (./secret-lock.ts). Everything else is the same
 * as with the built-in locks.
 *
 *   scripts/example.sh custom-lock [--name custom-lock] [--namespace default] [--run-for SECONDS]
 *                                  [timing flags as in basic]
 */
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';
import { SecretLock } from './secret-lock.ts';

const options = parseOptions('custom-lock');
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);
const lock = new SecretLock(options.name, options.namespace, options.identity, loadKubeConfig());

const election = new LeaderElection(
  new ElectionConfig({
    lock,
    leaseDuration: options.leaseDuration,
    renewDeadline: options.renewDeadline,
    retryPeriod: options.retryPeriod,
    onStartedLeading: async (work) => {
      log(`started leading on ${lock.describe()}`);
      await new Promise((resolve) => work.addEventListener('abort', resolve, { once: true }));
    },
    onStoppedLeading: () => log('stopped leading'),
    onNewLeader: (leader) => log(`the leader is ${leader}`),
    onError: (error) => log(`election error: ${String(error)}`),
  }),
  { signal },
);

while (!signal.aborted) await election.run();
log('exited cleanly');
