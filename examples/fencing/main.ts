/**
 * Fencing: the leader writes a heartbeat into a ConfigMap once a second, each write guarded by its term
 * (`fenced-write.ts`): the local check right before it, and the term stored in the ConfigMap, replaced with
 * a resourceVersion precondition, so no leader of an older term can write after a newer one has.
 *
 *   scripts/example.sh fencing [--name fencing-example] [--namespace default] [--run-for SECONDS]
 *
 * Needs, besides the Lease verbs, get, create and update on the ConfigMap `<name>-output`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';
import { fencedWrite } from './fenced-write.ts';

const options = parseOptions('fencing-example');
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);
const kubeConfig = loadKubeConfig();
const api = kubeConfig.makeApiClient(CoreV1Api);

const election = new LeaderElection(
  new ElectionConfig({
    lock: new LeaseLock({
      name: options.name,
      namespace: options.namespace,
      identity: options.identity,
      kubeConfig,
    }),
    leaseDuration: options.leaseDuration,
    renewDeadline: options.renewDeadline,
    retryPeriod: options.retryPeriod,
    onStartedLeading: async (work, leadership) => {
      log(`started leading in term ${leadership.term}`);
      for (let beat = 1; !work.aborted; beat += 1) {
        try {
          await fencedWrite(api, options.namespace, `${options.name}-output`, leadership, {
            leader: options.identity,
            beat: String(beat),
          });
          log(`wrote beat ${beat} in term ${leadership.term}`);
        } catch (err) {
          log(`write refused: ${(err as Error).message}`);
          break;
        }
        await sleep(1_000, undefined, { signal: work }).catch(() => {});
      }
    },
    onStoppedLeading: () => log('stopped leading'),
  }),
  { signal },
);

while (!signal.aborted) await election.run();
log('exiting');
