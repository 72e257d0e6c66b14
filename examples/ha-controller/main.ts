/**
 * HA controller: several replicas of a controller, one active, operated as in production. A Lease (or a
 * ConfigMap) elects the active one; its reconcile loop (here: list the pods matching a label selector and
 * report them) starts when it starts leading and is cancelled the moment it stops, before another replica
 * can take over. Each replica serves `/healthz` (liveness: a leader stuck past its lease fails it),
 * `/readyz` (ready only while leading) and `/metrics` (Prometheus), records leadership Events on the lock
 * object, and logs through the logger port.
 *
 *   scripts/example.sh ha-controller [--selector app=web] [--name ha-controller] [--namespace default]
 *                                    [--lock lease|configmap] [--http-port 0] [--liveness-tolerance 20]
 *                                    [--resync 2] [--run-for SECONDS] [timing flags as in basic]
 *
 * Needs get, create, update, patch, watch on leases (or configmaps), create on events (events.k8s.io) and
 * list on pods in the namespace: deploy/rbac.yaml. SIGUSR2 freezes the elector (its timers, its lock's answers
 * and notifications), as a deadlock would (fault injection for the liveness test): /healthz then fails once
 * the lease and the tolerance have passed.
 */
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { ConfigMapLock } from '@leasehold/configmap';
import {
  type Clock,
  ElectionConfig,
  healthHandler,
  LeaderElection,
  type Lock,
  systemClock,
} from '@leasehold/core';
import { LeaseLock, recordLeaderEvents } from '@leasehold/lease';
import { ElectionMetrics } from '@leasehold/metrics';
import { loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';

const options = parseOptions('ha-controller', [
  'selector',
  'resync',
  'lock',
  'http-port',
  'liveness-tolerance',
]);
const selector = options.extra.selector ?? 'app=web';
const resyncMs = Number(options.extra.resync ?? 2) * 1000;
const httpPort = Number(options.extra['http-port'] ?? 0); // 0: any free port (several replicas on one machine)
const tolerance = Number(options.extra['liveness-tolerance'] ?? 20);
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

// Fault injection (see the header): after SIGUSR2 nothing reaches the elector any more, neither its timers
// nor its lock's answers and notifications, as if its loop were deadlocked; the process itself keeps serving.
let frozen = false;
process.on('SIGUSR2', () => {
  frozen = true;
  log('SIGUSR2: elector frozen');
});
const clock: Clock = { ...systemClock, setTimer: (ms, fn) => systemClock.setTimer(ms, () => frozen || fn()) };
const never = new Promise<never>(() => {});
function freezable(inner: Lock): Lock {
  const unlessFrozen = <T>(result: Promise<T>) => result.then((value) => (frozen ? never : value));
  return {
    identity: inner.identity,
    describe: () => inner.describe(),
    get: (o) => unlessFrozen(inner.get(o)),
    create: (record, o) => unlessFrozen(inner.create(record, o)),
    update: (record, version, o) => unlessFrozen(inner.update(record, version, o)),
    watch: (onChange, onHealth, onError) =>
      inner.watch!(
        (snapshot) => frozen || onChange(snapshot),
        (live) => frozen || onHealth?.(live),
        (error) => frozen || onError?.(error),
      ),
  };
}

const lockOptions = {
  name: options.name,
  namespace: options.namespace,
  identity: options.identity,
  kubeConfig,
};
const lock = options.extra.lock === 'configmap' ? new ConfigMapLock(lockOptions) : new LeaseLock(lockOptions);
const election = new LeaderElection(
  new ElectionConfig({
    lock: freezable(lock),
    name: options.name,
    leaseDuration: options.leaseDuration,
    renewDeadline: options.renewDeadline,
    retryPeriod: options.retryPeriod,
    clock,
    onStartedLeading: controller,
    onStoppedLeading: () => log('stopped leading'),
    onNewLeader: (leader) => log(`the leader is ${leader}`),
    // Structured entries through the logger port: state changes at info, errors at warn/error.
    logger: {
      info: (message, fields) => log(`info ${message} ${JSON.stringify(fields)}`),
      warn: (message, fields) => log(`warn ${message} ${JSON.stringify(fields, errorFields)}`),
      error: (message, fields) => log(`error ${message} ${JSON.stringify(fields, errorFields)}`),
    },
  }),
  { signal },
);
recordLeaderEvents(election, lock, { reportingController: 'leasehold-ha-controller' });
const metrics = new ElectionMetrics();
metrics.observe(election);

const health = healthHandler(election, { toleranceSeconds: tolerance });
const server = createServer((request, response) => {
  if (health(request, response)) return;
  if (request.url === '/metrics') {
    metrics.registry.metrics().then(
      (body) => {
        response.setHeader('Content-Type', metrics.registry.contentType);
        response.end(body);
      },
      (err: unknown) => {
        response.statusCode = 500;
        response.end(String(err));
      },
    );
    return;
  }
  response.statusCode = 404;
  response.end('not found: /healthz, /readyz, /metrics\n');
});
server.listen(httpPort, () => {
  const address = server.address();
  log(
    `serving /healthz, /readyz and /metrics on port ${typeof address === 'object' && address ? address.port : httpPort}`,
  );
});
signal.addEventListener('abort', () => server.close(), { once: true });

log(`replica ${options.identity} campaigning`);
while (!signal.aborted) await election.run();
log('exited cleanly');

/** JSON.stringify replacer: an Error as its name and message (it has no enumerable fields of its own). */
function errorFields(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
