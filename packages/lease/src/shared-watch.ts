/**
 * Watches shared among the locks of one process: every lock watching an object of the same collection
 * (the same kind in the same namespace) through the same KubeConfig context receives its changes from one
 * watch stream on the whole collection, routed by name, so a process leading a thousand elections holds a
 * watch stream per namespace instead of one per election (each stream is a connection and a file
 * descriptor, and an API server watcher).
 *
 * - **Alone, nothing changes**: the first lock of a collection watches its own object by name
 *   (`watchNamedObject`), which a Role naming only that object allows. The shared stream starts when a
 *   second lock of the collection watches; until it is live each lock keeps its own watch, and once it is
 *   live the own watches close.
 * - **Refused, nothing is lost**: a collection watch needs `watch` on the kind without `resourceNames`. When
 *   the API server forbids it, the locks keep (or reopen) their own watches and the shared stream is not
 *   tried again for that collection while any lock still watches it; the refusal is not reported (each
 *   lock's own watch reports its own failures).
 * - **Health per lock, as before**: a lock's watch is live while the shared stream (or its own watch) is.
 *   A lost shared stream makes every lock of the collection not live (its followers poll) until it is back;
 *   its failures are reported to every lock, once per kind, naming the lock.
 * - **Resumed, not replayed**: a cleanly ended stream restarts from the last resourceVersion seen; a failed
 *   one, or one the server can no longer resume (410 Gone), starts afresh from the current state. The last
 *   object seen of each name is kept, so a lock that joins a live stream receives its object's current
 *   state first, as a watch of its own would send it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { watchLockError } from './kube-errors.ts';
import { watchNamedObject } from './watch-object.ts';
import { keepWatching, type WatchPhase } from './watch-stream.ts';

/** How many locks of one collection must watch before they share a stream. */
const SHARE_FROM = 2;

interface NamedObject {
  readonly metadata?: { readonly name?: string };
}

interface Subscriber {
  readonly name: string;
  readonly lockName: string;
  readonly onEvent: (phase: WatchPhase, object: NamedObject) => void;
  readonly onHealth: (live: boolean) => void;
  readonly onError: (error: LockError) => void;
  /** Closes this lock's own watch, while it has one. */
  own: (() => void) | null;
  ownLive: boolean;
  /** The health last reported to the lock. */
  reported: boolean;
  closed: boolean;
}

/** The shared stream of one collection of one KubeConfig context, and the locks it serves. */
class CollectionWatch {
  readonly #byName = new Map<string, Set<Subscriber>>();
  /** The last object seen of each name in the stream, for locks that join it live. */
  readonly #latest = new Map<string, NamedObject>();
  #count = 0;
  #closeShared: (() => void) | null = null;
  #sharedLive = false;
  /** The API server forbade the collection watch: every lock keeps its own. */
  #refused = false;

  readonly kubeConfig: KubeConfig;
  readonly collectionPath: string;
  readonly onEmpty: () => void;

  constructor(kubeConfig: KubeConfig, collectionPath: string, onEmpty: () => void) {
    this.kubeConfig = kubeConfig;
    this.collectionPath = collectionPath;
    this.onEmpty = onEmpty;
  }

  subscribe(sub: Subscriber): () => void {
    let subs = this.#byName.get(sub.name);
    if (!subs) {
      subs = new Set();
      this.#byName.set(sub.name, subs);
    }
    subs.add(sub);
    this.#count += 1;
    if (this.#count >= SHARE_FROM && !this.#refused && this.#closeShared === null) this.#startShared();
    if (this.#sharedLive) {
      const latest = this.#latest.get(sub.name);
      if (latest !== undefined) sub.onEvent('ADDED', latest);
      this.#report(sub);
    } else if (this.#closeShared === null) {
      // Alone (or refused): a watch of its own. A lock joining a shared stream on its way waits for it: a
      // thousand locks starting at once open one stream, not a thousand that close a moment later.
      this.#startOwn(sub);
    }
    return () => this.#unsubscribe(sub);
  }

  #unsubscribe(sub: Subscriber): void {
    if (sub.closed) return;
    sub.closed = true;
    sub.own?.();
    sub.own = null;
    const subs = this.#byName.get(sub.name);
    subs?.delete(sub);
    if (subs?.size === 0) this.#byName.delete(sub.name);
    this.#count -= 1;
    if (this.#count === 0) {
      this.#closeShared?.();
      this.#closeShared = null;
      this.onEmpty();
    }
  }

  #startOwn(sub: Subscriber): void {
    if (sub.own !== null || sub.closed) return;
    sub.own = watchNamedObject<NamedObject>(
      this.kubeConfig,
      this.collectionPath,
      sub.name,
      (phase, object) => {
        if (!sub.closed) sub.onEvent(phase, object);
      },
      (live) => {
        sub.ownLive = live;
        this.#report(sub);
      },
      (error) => {
        if (!sub.closed) sub.onError(error);
      },
      sub.lockName,
    );
  }

  #closeOwn(sub: Subscriber): void {
    sub.own?.();
    sub.own = null;
    sub.ownLive = false;
  }

  #report(sub: Subscriber): void {
    const live = this.#sharedLive || sub.ownLive;
    if (sub.closed || live === sub.reported) return;
    sub.reported = live;
    sub.onHealth(live);
  }

  #each(fn: (sub: Subscriber) => void): void {
    for (const subs of [...this.#byName.values()]) for (const sub of [...subs]) fn(sub);
  }

  #startShared(): void {
    this.#closeShared = keepWatching<NamedObject>(
      this.kubeConfig,
      {
        collectionPath: this.collectionPath,
        resume: true,
        lockName: `${this.collectionPath} (shared watch)`,
      },
      {
        onStart: (fresh) => {
          if (fresh) this.#latest.clear();
        },
        onEvent: (phase, object) => {
          const name = object?.metadata?.name;
          if (!name) return;
          if (phase === 'DELETED') this.#latest.delete(name);
          else this.#latest.set(name, object);
          for (const sub of [...(this.#byName.get(name) ?? [])]) if (!sub.closed) sub.onEvent(phase, object);
        },
        onHealth: (live) => {
          this.#sharedLive = live;
          this.#each((sub) => {
            if (live) this.#closeOwn(sub);
            this.#report(sub);
          });
        },
        onError: (error) => {
          if (error.kind === 'Forbidden') return this.#refuse();
          this.#each((sub) => sub.onError(watchLockError(error.cause, sub.lockName)));
        },
      },
    );
  }

  /** The collection watch is forbidden: stop trying it; every lock watches its own object again. */
  #refuse(): void {
    this.#refused = true;
    this.#sharedLive = false;
    this.#closeShared?.();
    this.#closeShared = null;
    this.#each((sub) => {
      this.#startOwn(sub);
      this.#report(sub);
    });
  }
}

/** Per KubeConfig, per context and collection: the shared watch. */
const shared = new WeakMap<KubeConfig, Map<string, CollectionWatch>>();

/**
 * Watches the object `name` in the collection at `collectionPath` as `watchNamedObject` does, sharing one
 * stream with every other lock of this process watching the same collection through the same KubeConfig
 * context (see the file's comment). Returns the function that stops this lock's watching; after it is
 * called, none of its callbacks is called again.
 */
export function watchObjectShared<T extends NamedObject>(
  kubeConfig: KubeConfig,
  collectionPath: string,
  name: string,
  onEvent: (phase: WatchPhase, object: T) => void,
  onHealth: (live: boolean) => void,
  onError: (error: LockError) => void,
  lockName: string,
): () => void {
  let byKey = shared.get(kubeConfig);
  if (!byKey) {
    byKey = new Map();
    shared.set(kubeConfig, byKey);
  }
  const key = `${kubeConfig.getCurrentContext()}\n${collectionPath}`;
  let collection = byKey.get(key);
  if (!collection) {
    collection = new CollectionWatch(kubeConfig, collectionPath, () => byKey.delete(key));
    byKey.set(key, collection);
  }
  return collection.subscribe({
    name,
    lockName,
    // The stream's objects are the API server's JSON for the collection's kind: T by the caller's word.
    onEvent: (phase, object) => onEvent(phase, object as T),
    onHealth,
    onError,
    own: null,
    ownLive: false,
    reported: false,
    closed: false,
  });
}
