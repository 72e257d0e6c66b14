/**
 * A resilient watch on one named Kubernetes object, with health reports, as the `Lock.watch` contract wants:
 * used by the Lease and ConfigMap locks (alone, or when a shared watch is refused) and usable by a custom
 * lock on any other kind.
 *
 * The watch starts without a resourceVersion, so the API server first sends the current object (as ADDED)
 * and then every change; it restarts the same way (see `watch-stream.ts` for the reconnect policy and how
 * failures are reported). It never throws into the election.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { keepWatching, type WatchPhase } from './watch-stream.ts';

export type { WatchPhase } from './watch-stream.ts';

/**
 * Watches the object `name` in the collection at `collectionPath` (for example
 * `/apis/coordination.k8s.io/v1/namespaces/default/leases`). Returns the function that closes the watch;
 * after it is called, neither callback is called again.
 */
export function watchNamedObject<T>(
  kubeConfig: KubeConfig,
  collectionPath: string,
  name: string,
  onEvent: (phase: WatchPhase, object: T) => void,
  onHealth?: (live: boolean) => void,
  onError?: (error: LockError) => void,
  lockName = `${collectionPath}/${name}`,
): () => void {
  return keepWatching<T>(
    kubeConfig,
    { collectionPath, fieldSelector: `metadata.name=${name}`, lockName },
    { onEvent, onHealth: (live) => onHealth?.(live), onError: (error) => onError?.(error) },
  );
}
