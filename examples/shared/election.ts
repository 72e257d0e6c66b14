/**
 * What the framework examples share: a Lease lock named by the command-line options, and an election on it
 * whose leader runs the reconcile loop and which the shutdown signal stops (work ends, then the lease is
 * released).
 */
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { LeaseLock } from '@leasehold/lease';
import { type CommonOptions, loadKubeConfig } from './cli.ts';
import { reconcileLoop } from './reconcile.ts';

/** The Lease `--name` in `--namespace`, held as `--identity`, through `$KUBECONFIG` or the pod's account. */
export function leaseLock(options: CommonOptions): LeaseLock {
  return new LeaseLock({
    name: options.name,
    namespace: options.namespace,
    identity: options.identity,
    kubeConfig: loadKubeConfig(),
  });
}

/** An election on `leaseLock(options)` running `reconcileLoop` while leading, stopped by `signal`. */
export function reconcilerElection(
  options: CommonOptions,
  log: (message: string) => void,
  signal: AbortSignal,
): LeaderElection {
  return new LeaderElection(
    new ElectionConfig({
      lock: leaseLock(options),
      leaseDuration: options.leaseDuration,
      renewDeadline: options.renewDeadline,
      retryPeriod: options.retryPeriod,
      onStartedLeading: reconcileLoop(log),
      onStoppedLeading: (reason) => log(`stopped leading (${reason})`),
      onError: (error) => log(`election error: ${String(error)}`),
    }),
    { signal },
  );
}
