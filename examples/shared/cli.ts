/**
 * What every Kubernetes example shares: command-line options, an identity, a kubeconfig, a timestamped log,
 * and one AbortSignal that fires on SIGINT, SIGTERM or after `--run-for` seconds (so tests can let an
 * example finish by itself).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig as loadCheckedKubeConfig } from '@leasehold/lease';

export interface CommonOptions {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly leaseDuration: number;
  readonly renewDeadline: number;
  readonly retryPeriod: number;
  /** Seconds until the example stops by itself; undefined runs until a signal. */
  readonly runFor: number | undefined;
  /** Options of the example's own, as strings. */
  readonly extra: Readonly<Record<string, string | undefined>>;
}

const number = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${flag} must be a positive number of seconds, got ${value}`);
  return n;
};

/**
 * Parses `--name --namespace --identity --lease-duration --renew-deadline --retry-period --run-for` and the
 * example's own string options. Timings default to client-go's (15 s, 10 s, 2 s).
 */
export function parseOptions(defaultName: string, extra: readonly string[] = []): CommonOptions {
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: defaultName },
      namespace: { type: 'string', default: 'default' },
      identity: { type: 'string' },
      'lease-duration': { type: 'string' },
      'renew-deadline': { type: 'string' },
      'retry-period': { type: 'string' },
      'run-for': { type: 'string' },
      ...Object.fromEntries(extra.map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  const v = values as Record<string, string | undefined>;
  return {
    name: v.name!,
    namespace: v.namespace!,
    identity: v.identity ?? newIdentity(),
    leaseDuration: number('lease-duration', v['lease-duration'], 15),
    renewDeadline: number('renew-deadline', v['renew-deadline'], 10),
    retryPeriod: number('retry-period', v['retry-period'], 2),
    runFor: v['run-for'] === undefined ? undefined : number('run-for', v['run-for'], 0),
    extra: Object.fromEntries(extra.map((flag) => [flag, v[flag]])),
  };
}

/**
 * The host name (the pod name, in a pod) plus a random suffix: unique even when a restarted pod keeps its
 * name while its old process might still hold the lease.
 */
export function newIdentity(): string {
  return `${hostname()}-${randomBytes(3).toString('hex')}`;
}

/**
 * `$KUBECONFIG`, `~/.kube/config`, or the in-cluster service account, as kubectl would pick; one that is
 * missing, unreadable or unusable throws a `ConfigError` naming the file and the fault (never its contents).
 */
export function loadKubeConfig(): KubeConfig {
  return loadCheckedKubeConfig();
}

export function logger(who: string): (message: string) => void {
  return (message) => console.log(`${new Date().toISOString()} ${who} ${message}`);
}

/** Aborts on SIGINT or SIGTERM (naming the signal) or after `runForSeconds`. */
export function shutdownSignal(runForSeconds: number | undefined, log: (m: string) => void): AbortSignal {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      controller.abort(sig);
    });
  }
  if (runForSeconds !== undefined) {
    setTimeout(() => {
      log(`ran for ${runForSeconds}s: stopping`);
      controller.abort('run-for');
    }, runForSeconds * 1000).unref();
  }
  return controller.signal;
}
