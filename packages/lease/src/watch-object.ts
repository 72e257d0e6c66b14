/**
 * A resilient watch on one named Kubernetes object, with health reports, as the `Lock.watch` contract wants:
 * shared by the Lease and ConfigMap locks and usable by a custom lock on any other kind.
 *
 * The watch starts without a resourceVersion, so the API server first sends the current object (as ADDED)
 * and then every change. It reports itself live from the moment the server accepts it, and lost when the
 * stream ends or fails, including client-node's 30 s inactivity timeout, which bounds a silent stall while a
 * leader renews. A stream that ends cleanly is restarted after 0.1 s, a failed one after a second, for as
 * long as the watch is open. It never throws into the election.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';

export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED';

const RESTART_AFTER_END_MS = 100;
const RESTART_AFTER_ERROR_MS = 1_000;

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
): () => void {
  const watcher = new Watch(kubeConfig);
  let closed = false;
  let abort: AbortController | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const start = () => {
    if (closed) return;
    let ended = false;
    const end = (err: unknown) => {
      if (ended) return;
      ended = true;
      if (closed) return;
      onHealth?.(false);
      retry = setTimeout(start, err ? RESTART_AFTER_ERROR_MS : RESTART_AFTER_END_MS);
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
          else if (!ended) onHealth?.(true);
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
