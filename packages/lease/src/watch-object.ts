/**
 * A resilient watch on one named Kubernetes object, with health reports, as the `Lock.watch` contract wants:
 * shared by the Lease and ConfigMap locks and usable by a custom lock on any other kind.
 *
 * The watch starts without a resourceVersion, so the API server first sends the current object (as ADDED)
 * and then every change. It reports itself live from the moment the server accepts it, and lost when the
 * stream ends or fails, including client-node's 30 s inactivity timeout, which bounds a silent stall while a
 * leader renews. A stream that ends cleanly is restarted after 0.1 s; a failed one after a second, doubling
 * with each failure in a row up to 30 s (a refused or forbidden watch must not add load to an API server in
 * trouble), for as long as the watch is open. A failure is passed to `onError` when it differs in kind from
 * the last one reported since the watch was last live, so a watch that RBAC forbids says so once while the
 * followers poll. It never throws into the election.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { watchLockError } from './kube-errors.ts';

/** The kinds of change a watch reports for the object. */
export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED';

const RESTART_AFTER_END_MS = 100;
const RESTART_AFTER_ERROR_MS = 1_000;
const RESTART_AFTER_ERROR_MAX_MS = 30_000;

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
  const watcher = new Watch(kubeConfig);
  let closed = false;
  let abort: AbortController | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** Failures in a row since the watch was last live, and the kind of the last one reported. */
  let failures = 0;
  let reported: string | null = null;
  const start = () => {
    if (closed) return;
    let ended = false;
    const end = (err: unknown) => {
      if (ended) return;
      ended = true;
      if (closed) return;
      onHealth?.(false);
      if (!err) {
        retry = setTimeout(start, RESTART_AFTER_END_MS);
        return;
      }
      failures += 1;
      const error = watchLockError(err, lockName);
      if (error.kind !== reported) {
        reported = error.kind;
        try {
          onError?.(error);
        } catch {
          // A hint's reporter cannot stop the watch.
        }
      }
      const delay = Math.min(RESTART_AFTER_ERROR_MS * 2 ** (failures - 1), RESTART_AFTER_ERROR_MAX_MS);
      retry = setTimeout(start, delay);
    };
    watcher
      .watch(
        collectionPath,
        { fieldSelector: `metadata.name=${name}` },
        (phase: string, object: T) => {
          if (closed) return;
          if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') onEvent(phase, object);
        },
        end,
      )
      .then(
        (controller) => {
          abort = controller;
          if (closed) controller.abort();
          // client-node resolves after a failed start too (having called `end`): live only if still open.
          else if (!ended) {
            failures = 0;
            reported = null;
            onHealth?.(true);
          }
        },
        (err: unknown) => end(err ?? new Error('watch failed to start')),
      );
  };
  start();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    abort?.abort();
  };
}
