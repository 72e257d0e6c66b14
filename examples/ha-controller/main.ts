/**
 * HA controller: several replicas of a controller, one active. The ConfigMap lock elects the active one;
 * its reconcile loop (here: list the pods matching a label selector and report them) starts when it starts
 * leading and is cancelled the moment it stops, before another replica can take over.
 *
 *   scripts/example.sh ha-controller [--selector app=web] [--name ha-controller] [--namespace default]
 *                                    [--resync 2] [--run-for SECONDS] [timing flags as in basic]
 *
 * Needs get, create, update, patch, watch on configmaps and list on pods in the namespace.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { ConfigMapLock } from '@leasehold/configmap';
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';

const options = parseOptions('ha-controller', ['selector', 'resync']);
const selector = options.extra.selector ?? 'app=web';
const resyncMs = Number(options.extra.resync ?? 2) * 1000;
const log = logger(options.identity);
const signal = shutdownSignal(options.runFor, log);
const kubeConfig = loadKubeConfig();
const pods = kubeConfig.makeApiClient(CoreV1Api);

/** The controller: reconciles until `cancel` aborts. An in-flight list is abandoned, not awaited. */
async function controller(cancel: AbortSignal): Promise<void> {
  log(`controller started (selector ${selector})`);
  while (!cancel.aborted) {
    try {
      const list = await pods.listNamespacedPod({ namespace: options.namespace, labelSelector: selector });
      if (cancel.aborted) break; // leadership ended while the list was in flight: act on nothing
      const names = list.items.map((p) => p.metadata?.name).sort();
      log(`reconcile: ${names.length} pods match ${selector}: ${names.join(', ')}`);
    } catch (err) {
      log(`reconcile failed: ${(err as Error).message}`);
    }
    await sleep(resyncMs, undefined, { signal: cancel }).catch(() => {});
  }
  log('controller cancelled');
}

const election = new LeaderElection(
  new ElectionConfig({
    lock: new ConfigMapLock({
      name: options.name,
      namespace: options.namespace,
      identity: options.identity,
      kubeConfig,
    }),
    leaseDuration: options.leaseDuration,
    renewDeadline: options.renewDeadline,
    retryPeriod: options.retryPeriod,
    onStartedLeading: controller,
    onStoppedLeading: () => log('stopped leading'),
    onNewLeader: (leader) => log(`the leader is ${leader}`),
    onError: (error) => log(`election error: ${String(error)}`),
  }),
  { signal },
);

log(`replica ${options.identity} campaigning`);
while (!signal.aborted) await election.run();
log('exited cleanly');
