/**
 * One resilient watch stream on a Kubernetes collection: the reconnect loop shared by the watch of one
 * named object (`watch-object.ts`) and the watch one process shares among its locks (`shared-watch.ts`).
 *
 * - **Health**: live from the moment the server accepts the stream, lost when the stream ends or fails
 *   (including the 30 s inactivity timeout, client-node's `Watch`'s, kept by watch-request.ts).
 * - **Restarts** (`watch-restart.ts`): a stream that lived restarts promptly (0.1 s after a clean end, about
 *   a second after a failure); one that failed, or ended within a second of being accepted, counts as a
 *   failure in a row and waits 1 s, 2 s, 4 s ... up to 30 s, with jitter, for as long as the stream is open.
 * - **Resumed, not replayed** (`resume`): every restart, after a clean end or any failure, asks for the
 *   changes since the last resourceVersion seen (bookmarks keep it fresh), so a blip costs a reconnect, not
 *   the whole collection again. Only 410 Gone (in the stream or as the answer: that version was compacted)
 *   starts afresh from the current state: at once, unless the stream before also ended with 410 (then
 *   with the back-off above: a server answering 410 to everything is not hammered). Without
 *   `resume` (a named watch) every restart starts afresh: the server first sends the object's current state.
 * - **Early drop** (`wants`, `known`): an event whose object's name the owner does not want, or whose
 *   version the owner already holds, is dropped right after its name and resourceVersion are read: from
 *   the line's first bytes, unparsed, over the kept dispatcher (watch-prefix.ts); after the parse under
 *   client-node's `Watch` (`wants` only).
 * - **Reports**: a failure is passed to `onError` when it differs in kind from the last one reported since a
 *   stream last lived, so a forbidden watch (or a proxy failing every stream) says so once.
 *
 * The streams go over the dispatcher the lock's requests use (watch-request.ts), or client-node's `Watch`
 * where there is none. It never throws into its caller.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { watchLockError } from './kube-errors.ts';
import type { EventPrefix } from './watch-prefix.ts';
import { type WatchHandle, watchStarter } from './watch-request.ts';
import { RESTART_AFTER_END_MS, restartDelay, STEADY_AFTER_MS } from './watch-restart.ts';

/** The kinds of change a watch reports for an object. */
export type WatchPhase = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What a stream tells its owner. */
export interface StreamHandlers<T> {
  /** A change of one object of the collection (one whose name `wants` accepted). */
  readonly onEvent: (phase: WatchPhase, object: T) => void;
  /** The stream is live (`true`) or lost (`false`). */
  readonly onHealth: (live: boolean) => void;
  /** A failure, once per kind until a stream lives again. */
  readonly onError: (error: LockError) => void;
  /**
   * A new stream is about to start; `fresh` when it starts from the current state (the server sends every
   * object as ADDED first), not resumed from the last resourceVersion.
   */
  readonly onStart?: (fresh: boolean) => void;
  /**
   * Whether the owner wants the events of the object named `name` (default: all). Called for every event
   * of the stream, first; an unwanted one goes no further.
   */
  readonly wants?: (name: string | undefined) => boolean;
  /**
   * Whether the owner already holds this very version of the object named `name` (an answer to its own
   * request carried it) and has dealt with the event without the object (shared-watch.ts). Asked only for
   * ADDED and MODIFIED lines whose start gave both (watch-prefix.ts), after `wants`; `true` drops the line
   * unparsed.
   */
  readonly known?: (name: string, resourceVersion: string) => boolean;
}

/** What a stream watches and how. */
export interface StreamOptions {
  /** The collection, e.g. `/apis/coordination.k8s.io/v1/namespaces/default/leases`. */
  readonly collectionPath: string;
  /** A field selector (`metadata.name=x`), or none for the whole collection. */
  readonly fieldSelector?: string;
  /** Restart from the last resourceVersion seen (with bookmarks) instead of afresh, unless it is gone (410). */
  readonly resume?: boolean;
  /** Names the watch in errors. */
  readonly lockName: string;
}

interface WatchedObject {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
}

/** Keeps a watch stream open with `handlers` until the returned function is called; then nothing more is called. */
export function keepWatching<T>(
  kubeConfig: KubeConfig,
  options: StreamOptions,
  handlers: StreamHandlers<T>,
): () => void {
  const startWatch = watchStarter(kubeConfig);
  let closed = false;
  let abort: WatchHandle | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** Failed (or at once ended) streams in a row since one last lived, and the kind of the last one reported. */
  let failures = 0;
  let reported: string | null = null;
  /** The last resourceVersion seen, to resume from; cleared only when the server says it is gone (410). */
  let resumeFrom: string | undefined;
  /** Whether the last stream ended with 410 Gone: a second one in a row is backed off. */
  let lastGone = false;
  const start = () => {
    if (closed) return;
    let ended = false;
    /** When the server accepted this stream. */
    let acceptedAt: number | undefined;
    const end = (err: unknown, expired = false) => {
      if (ended) return;
      ended = true;
      abort?.abort();
      if (closed) return;
      handlers.onHealth(false);
      const lived = acceptedAt !== undefined && Date.now() - acceptedAt >= STEADY_AFTER_MS;
      if (lived) {
        failures = 0;
        reported = null;
      }
      // 410 Gone, in the stream or as the answer: the resourceVersion to resume from was compacted.
      const gone = expired || (err as { statusCode?: unknown } | null)?.statusCode === 410;
      if (gone) resumeFrom = undefined;
      else if (err) report(err);
      let delay: number;
      // 410 is the usual answer to resuming after a long break: re-list now (unless it keeps coming).
      if (gone && !lastGone) delay = 0;
      else if (lived && !err) delay = RESTART_AFTER_END_MS;
      else {
        // A failure, a stream that ended at once, or a 410 answered to a fresh start too.
        failures += 1;
        delay = restartDelay(failures);
      }
      lastGone = gone;
      retry = setTimeout(start, delay);
    };
    const query: Record<string, string> = {};
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.resume) query.allowWatchBookmarks = 'true';
    if (resumeFrom !== undefined) query.resourceVersion = resumeFrom;
    handlers.onStart?.(resumeFrom === undefined);
    // The start of a line, before it is parsed: a line for a name not wanted, or for a version the owner
    // holds already, goes no further (watch-prefix.ts). Anything else, and any line whose start does not
    // give the name and version, is parsed in full below.
    const peek = (prefix: EventPrefix): boolean => {
      if (closed || ended) return true;
      const { type, name, resourceVersion } = prefix;
      if (name === undefined || resourceVersion === undefined) return false;
      if (
        handlers.wants?.(name) === false ||
        (type !== 'DELETED' && handlers.known?.(name, resourceVersion))
      ) {
        if (options.resume) resumeFrom = resourceVersion;
        return true;
      }
      return false;
    };
    startWatch(
      options.collectionPath,
      query,
      (phase: string, object: unknown) => {
        if (closed || ended) return;
        if (phase === 'ERROR') {
          // In-stream failure; 410 Gone means the version to resume from is too old: start afresh.
          const code = (object as { code?: unknown } | null)?.code;
          return code === 410
            ? end(null, true)
            : end(Object.assign(new Error('watch error'), { statusCode: code }));
        }
        const metadata = (object as WatchedObject | null)?.metadata;
        if (options.resume && metadata?.resourceVersion) resumeFrom = metadata.resourceVersion;
        if (phase !== 'ADDED' && phase !== 'MODIFIED' && phase !== 'DELETED') return; // BOOKMARK
        if (handlers.wants && !handlers.wants(metadata?.name)) return;
        handlers.onEvent(phase, object as T);
      },
      (err: unknown) => end(err),
      handlers.wants || handlers.known ? peek : undefined,
    ).then(
      (controller) => {
        abort = controller;
        if (closed || ended) controller.abort();
        // Resolved after a failed start too (having called `end`), as client-node's `Watch`: live only if still open.
        else {
          acceptedAt = Date.now();
          handlers.onHealth(true);
        }
      },
      (err: unknown) => end(err ?? new Error('watch failed to start')),
    );
  };
  /** Passes a failure on, once per kind until a stream lives again. */
  const report = (err: unknown) => {
    const error = watchLockError(err, options.lockName);
    if (error.kind === reported) return;
    reported = error.kind;
    try {
      handlers.onError(error);
    } catch {
      // A hint's reporter cannot stop the watch.
    }
  };
  start();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    abort?.abort();
  };
}
