/**
 * One replica of the HA controller (main.ts runs it): its options, lock, elector, controller loop and HTTP
 * endpoints. Split from main.ts so that the election's lock and clock can be passed in: main.ts passes none
 * (the replica's own lock, the system clock); the liveness test wraps them to simulate a deadlocked elector
 * (tools/kube/stuck-replica.ts, test tooling), which a production build must never be able to do.
 */
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ConfigMapLock } from '@leasehold/configmap';
import {
  type Clock,
  ElectionConfig,
  healthHandler,
  LeaderElection,
  type Leadership,
  LeadershipLostError,
  type Lock,
  systemClock,
} from '@leasehold/core';
import { LeaseLock, recordLeaderEvents } from '@leasehold/lease';
import { ElectionMetrics } from '@leasehold/metrics';
import { type CommonOptions, loadKubeConfig, logger, parseOptions, shutdownSignal } from '../shared/cli.ts';

/** A replica ready to campaign: its options, logger, shutdown signal, kubeconfig and lock. */
export interface Replica {
  readonly options: CommonOptions;
  readonly log: (message: string) => void;
  readonly signal: AbortSignal;
  readonly kubeConfig: KubeConfig;
  readonly lock: LeaseLock | ConfigMapLock;
}

/**
 * Parses the command line and builds the lock; a kubeconfig that cannot be used throws `ConfigError` here
 * (naming the file and the fault), so the process exits at once instead of retrying forever.
 */
export function setUpReplica(): Replica {
  const options = parseOptions('ha-controller', [
    'selector',
    'resync',
    'lock',
    'http-port',
    'liveness-tolerance',
  ]);
  const log = logger(options.identity);
  const kubeConfig = loadKubeConfig();
  const lockOptions = {
    name: options.name,
    namespace: options.namespace,
    identity: options.identity,
    kubeConfig,
  };
  const lock =
    options.extra.lock === 'configmap' ? new ConfigMapLock(lockOptions) : new LeaseLock(lockOptions);
  return { options, log, signal: shutdownSignal(options.runFor, log), kubeConfig, lock };
}

/** What the election runs on; by default the replica's lock and the system clock. */
export interface ElectionParts {
  readonly lock?: Lock;
  readonly clock?: Clock;
}

/** Campaigns until the shutdown signal, serving /healthz, /readyz and /metrics meanwhile. */
export async function runReplica(replica: Replica, parts: ElectionParts = {}): Promise<void> {
  const { options, log, signal, kubeConfig, lock } = replica;
  const selector = options.extra.selector ?? 'app=web';
  const resyncMs = Number(options.extra.resync ?? 2) * 1000;
  const httpPort = Number(options.extra['http-port'] ?? 0); // 0: any free port (several replicas on one host)
  const tolerance = Number(options.extra['liveness-tolerance'] ?? 20);
  const pods = kubeConfig.makeApiClient(CoreV1Api);

  /**
   * The controller: reconciles until `cancel` aborts. Each round first checks the leadership it was given
   * (the fencing guard): it ends the work as soon as this replica no longer leads in its term on its own
   * clock, even if the elector is too late to abort `cancel` (a stuck event loop, a deadlocked elector).
   */
  async function controller(cancel: AbortSignal, leadership: Leadership): Promise<void> {
    log(`controller started (selector ${selector}, term ${leadership.term})`);
    let lost: LeadershipLostError | null = null;
    while (!cancel.aborted) {
      try {
        leadership.check();
        const list = await pods.listNamespacedPod({ namespace: options.namespace, labelSelector: selector });
        // Leadership may have ended while the list was in flight: act on nothing then.
        if (cancel.aborted) break;
        leadership.check();
        const names = list.items.map((p) => p.metadata?.name).sort();
        log(`reconcile: ${names.length} pods match ${selector}: ${names.join(', ')}`);
      } catch (err) {
        if (err instanceof LeadershipLostError) {
          lost = err;
          break;
        }
        log(`reconcile failed: ${(err as Error).message}`);
      }
      await sleep(resyncMs, undefined, { signal: cancel }).catch(() => {});
    }
    log(cancel.aborted || lost === null ? 'controller cancelled' : `controller stopped: ${lost.message}`);
  }

  const election = new LeaderElection(
    new ElectionConfig({
      lock: parts.lock ?? lock,
      name: options.name,
      leaseDuration: options.leaseDuration,
      renewDeadline: options.renewDeadline,
      retryPeriod: options.retryPeriod,
      clock: parts.clock ?? systemClock,
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
}

/** JSON.stringify replacer: an Error as its name and message (it has no enumerable fields of its own). */
function errorFields(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
