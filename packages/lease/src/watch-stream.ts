/**
 * One resilient watch stream on a Kubernetes collection: the reconnect loop shared by the watch of one
 * named object (`watch-object.ts`) and the watch one process shares among its locks (`shared-watch.ts`).
 *
 * It reports itself live from the moment the server accepts the stream, and lost when the stream ends or
 * fails, including client-node's 30 s inactivity timeout. A stream that ends cleanly is restarted after
 * 0.1 s (from the last resourceVersion seen, when asked to resume); a failed one after a second, doubling
 * with each failure in a row up to 30 s (a refused or forbidden watch must not add load to an API server in
 * trouble), for as long as the stream is open. A failure is passed to `onError` when it differs in kind from
 * the last one reported since the stream was last live, so a forbidden watch says so once. A resumed stream
 * the server can no longer serve (410 Gone: the resourceVersion was compacted) restarts from the current
 * state at once. It never throws into its caller.
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { watchLockError } from './kube-errors.ts';

/** The kinds of change a watch reports for an object. */
export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED';

const RESTART_AFTER_END_MS = 100;
const RESTART_AFTER_ERROR_MS = 1_000;
const RESTART_AFTER_ERROR_MAX_MS = 30_000;

/** What a stream tells its owner. */
export interface StreamHandlers<T> {
  /** A change of one object of the collection. */
  readonly onEvent: (phase: WatchPhase, object: T) => void;
  /** The stream is live (`true`) or lost (`false`). */
  readonly onHealth: (live: boolean) => void;
  /** A failure, once per kind until the stream is live again. */
  readonly onError: (error: LockError) => void;
  /**
   * A new stream is about to start; `fresh` when it starts from the current state (the server sends every
   * object as ADDED first), not resumed from the last resourceVersion.
   */
  readonly onStart?: (fresh: boolean) => void;
}

/** What a stream watches and how. */
export interface StreamOptions {
  /** The collection, e.g. `/apis/coordination.k8s.io/v1/namespaces/default/leases`. */
  readonly collectionPath: string;
  /** A field selector (`metadata.name=x`), or none for the whole collection. */
  readonly fieldSelector?: string;
  /** Restart a cleanly ended stream from the last resourceVersion seen (with bookmarks) instead of afresh. */
  readonly resume?: boolean;
  /** Names the watch in errors. */
  readonly lockName: string;
}

interface WatchedObject {
  readonly metadata?: { readonly resourceVersion?: string };
}

/** Keeps a watch stream open with `handlers` until the returned function is called; then nothing more is called. */
export function keepWatching<T>(
  kubeConfig: KubeConfig,
  options: StreamOptions,
  handlers: StreamHandlers<T>,
): () => void {
  const watcher = new Watch(kubeConfig);
  let closed = false;
  let abort: AbortController | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** Failures in a row since the stream was last live, and the kind of the last one reported. */
  let failures = 0;
  let reported: string | null = null;
  /** The last resourceVersion seen, to resume from; cleared when the stream must start afresh. */
  let resumeFrom: string | undefined;
  const start = () => {
    if (closed) return;
    let ended = false;
    const end = (err: unknown, expired = false) => {
      if (ended) return;
      ended = true;
      abort?.abort();
      if (closed) return;
      handlers.onHealth(false);
      // 410 Gone, in the stream or as the answer: the resourceVersion to resume from was compacted. Not a
      // failure: start afresh at once.
      const gone = expired || (err as { statusCode?: unknown } | null)?.statusCode === 410;
      if (gone || err) resumeFrom = undefined;
      if (gone || !err) {
        retry = setTimeout(start, gone ? 0 : RESTART_AFTER_END_MS);
        return;
      }
      failures += 1;
      const error = watchLockError(err, options.lockName);
      if (error.kind !== reported) {
        reported = error.kind;
        try {
          handlers.onError(error);
        } catch {
          // A hint's reporter cannot stop the watch.
        }
      }
      const delay = Math.min(RESTART_AFTER_ERROR_MS * 2 ** (failures - 1), RESTART_AFTER_ERROR_MAX_MS);
      retry = setTimeout(start, delay);
    };
    const query: Record<string, string> = {};
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.resume) query.allowWatchBookmarks = 'true';
    if (resumeFrom !== undefined) query.resourceVersion = resumeFrom;
    handlers.onStart?.(resumeFrom === undefined);
    watcher
      .watch(
        options.collectionPath,
        query,
        (phase: string, object: T) => {
          if (closed || ended) return;
          if (phase === 'ERROR') {
            // In-stream failure; 410 Gone means the version to resume from is too old: start afresh now.
            const code = (object as { code?: unknown } | null)?.code;
            return code === 410
              ? end(null, true)
              : end(Object.assign(new Error('watch error'), { statusCode: code }));
          }
          const version = (object as WatchedObject | null)?.metadata?.resourceVersion;
          if (options.resume && version) resumeFrom = version;
          if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED')
            handlers.onEvent(phase, object);
        },
        (err: unknown) => end(err),
      )
      .then(
        (controller) => {
          abort = controller;
          if (closed || ended) controller.abort();
          // client-node resolves after a failed start too (having called `end`): live only if still open.
          else {
            failures = 0;
            reported = null;
            handlers.onHealth(true);
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
