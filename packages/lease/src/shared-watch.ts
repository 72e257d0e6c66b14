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
 * - **Memory bounded by the locks, not the namespace**: the stream carries every object of the collection,
 *   but an event for a name no lock of this process watches is dropped as soon as its name is read
 *   (`wants`), and only the last object of each watched name is kept (the object a lock's snapshot holds
 *   anyway); an entry goes with the last lock watching its name. A namespace of thousands of foreign
 *   objects costs this process their transit through the stream, never their storage (docs/operations.md,
 *   "A hostile namespace neighbour").
 * - **Resumed, not replayed** (`watch-stream.ts`): after a clean end or any failure the stream resumes from
 *   the last resourceVersion seen; only 410 Gone starts afresh, and a fresh start forgets the kept objects
 *   (the server sends the current ones again).
 * - **A lock joining a live stream** gets its object's current state first, as a watch of its own would
 *   send it: from the kept object when another lock of the process already watches that name (no request),
 *   or, when the stream is about to list the collection (a fresh start that has sent nothing yet), from that
 *   list. Otherwise the stream never kept that name's object, so the lock reads it with one GET over the
 *   connection the locks' requests already use (`read-object.ts`; no stream of its own for the API server to
 *   keep), and is served by the shared stream from then on: the stream's
 *   events for the name are put in order with the read by resourceVersion (`resource-version.ts`), so the
 *   lock hears the newer of the two first and no change twice. A read that fails is sent again, backed off
 *   as a watch restart is (`watch-restart.ts`). Only where client-node gives no dispatcher for the read
 *   (kube-requests.ts), or the resourceVersions do not compare, the lock falls back to a watch of its own by
 *   name, which closes once both streams have delivered the same resourceVersion of the object. After a
 *   resumed restart, the locks of a watched name the stream has not delivered (nor read) since its last
 *   fresh start watch their own object again that way (that list may have been cut short before it, and the
 *   stream resumed inside it may stay silent for a while: see `onStart`).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { watchLockError } from './kube-errors.ts';
import { readObject } from './read-object.ts';
import { compareVersions } from './resource-version.ts';
import { watchNamedObject } from './watch-object.ts';
import { restartDelay } from './watch-restart.ts';
import { keepWatching, type WatchPhase } from './watch-stream.ts';

/** How many locks of one collection must watch before they share a stream. */
const SHARE_FROM = 2;

interface NamedObject {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
}

/**
 * What a lock tells the shared stream of its own answers: at a thousand elections nearly every event of the
 * stream is a leader's renewal, a version the leader already holds from its write's answer.
 */
export interface Answered {
  /** The object of the lock's last answer (its own read or write), if any. */
  readonly object: () => NamedObject | undefined;
  /** The stream carried that very version again: the lock tells its election as it would the stream's copy. */
  readonly again: () => void;
}

interface Subscriber {
  readonly name: string;
  readonly answered: Answered | undefined;
  readonly lockName: string;
  readonly onEvent: (phase: WatchPhase, object: NamedObject) => void;
  readonly onHealth: (live: boolean) => void;
  readonly onError: (error: LockError) => void;
  /** Closes this lock's own watch, while it has one. */
  own: (() => void) | null;
  ownLive: boolean;
  /** The resourceVersion of the last event the own watch delivered. */
  ownVersion: string | undefined;
  /** Aborts this lock's read of its current state, while one is under way (the stream's events wait). */
  reading: AbortController | null;
  /** The version this lock last heard from a read: the stream's events for it up to this one are not news. */
  after: string | undefined;
  /** The next read after a failed one, while it waits; and the failed reads in a row. */
  retry: ReturnType<typeof setTimeout> | null;
  readFailures: number;
  /** The shared stream has delivered (or is about to deliver) this lock's current state: it serves the lock. */
  synced: boolean;
  /** The health last reported to the lock. */
  reported: boolean;
  closed: boolean;
}

/** What the shared stream keeps for one name some lock of this process watches. */
interface Entry {
  readonly subs: Set<Subscriber>;
  /** The last object of this name the stream delivered since its last fresh start; undefined if deleted. */
  latest: NamedObject | undefined;
  /** The resourceVersion of the last event of this name (a deletion too), or of `latest` when read. */
  latestVersion: string | undefined;
  /** Whether `latest` is known: the stream delivered (or a lock read) this name since its last fresh start. */
  known: boolean;
}

const versionOf = (object: NamedObject | undefined) => object?.metadata?.resourceVersion;

/** The shared stream of one collection of one KubeConfig context, and the locks it serves. */
class CollectionWatch {
  /** One entry per watched name, and nothing for any other name. */
  readonly #entries = new Map<string, Entry>();
  #count = 0;
  #closeShared: (() => void) | null = null;
  #sharedLive = false;
  /** The stream starts afresh and has sent nothing yet: a lock joining now receives its state in the list. */
  #listPending = false;
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
    let entry = this.#entries.get(sub.name);
    if (!entry) {
      entry = { subs: new Set(), latest: undefined, latestVersion: undefined, known: false };
      this.#entries.set(sub.name, entry);
    }
    entry.subs.add(sub);
    this.#count += 1;
    if (this.#count >= SHARE_FROM && !this.#refused && this.#closeShared === null) this.#startShared();
    if (this.#closeShared === null) {
      // Alone (or refused): a watch of its own.
      this.#startOwn(sub);
    } else if (entry.known) {
      sub.synced = true;
      // The kept state may come from a lock's read, ahead of the stream: older events are not news.
      sub.after = entry.latestVersion;
      if (entry.latest !== undefined) sub.onEvent('ADDED', entry.latest);
    } else if (this.#listPending) {
      // A lock joining a shared stream on its way waits for its list: a thousand locks starting at once
      // open one stream, not a thousand that close a moment later.
      sub.synced = true;
    } else {
      // The stream never kept this name's object: the lock reads its current state (see the file's comment).
      this.#read(sub);
    }
    this.#report(sub);
    return () => this.#unsubscribe(sub);
  }

  #unsubscribe(sub: Subscriber): void {
    if (sub.closed) return;
    sub.closed = true;
    this.#closeOwn(sub);
    this.#cancelRead(sub);
    const entry = this.#entries.get(sub.name);
    entry?.subs.delete(sub);
    // The last lock of a name takes its entry (and the object kept for it) along.
    if (entry?.subs.size === 0) this.#entries.delete(sub.name);
    this.#count -= 1;
    if (this.#count === 0) {
      this.#closeShared?.();
      this.#closeShared = null;
      this.onEmpty();
    }
  }

  /** Reads the lock's object with one GET; the stream serves it from the answer on (see the file's comment). */
  #read(sub: Subscriber): void {
    if (sub.reading !== null || sub.retry !== null || sub.own !== null || sub.closed) return;
    sub.synced = false;
    const reading = new AbortController();
    sub.reading = reading;
    readObject(this.kubeConfig, this.collectionPath, sub.name, reading.signal).then(
      (object) => {
        if (sub.reading !== reading) return; // cancelled: closed, or a fresh list serves it
        sub.reading = null;
        sub.readFailures = 0;
        // No dispatcher to send it with (kube-requests.ts): a watch of its own, as before.
        if (object === undefined) this.#startOwn(sub);
        else this.#onRead(sub, object as NamedObject | null);
      },
      () => {
        if (sub.reading !== reading) return;
        sub.reading = null;
        // Read again, backed off as a watch restarts (watch-restart.ts), not a watch of its own: on a starved
        // process or a slow server every lock's read times out at once, and a thousand watches opened then
        // would each be a stream the API server keeps (and a connection, where client-node's Watch serves
        // them). Not reported: the lock's own requests fail
        // and report the same way, and the lock is not live meanwhile, so its followers poll.
        sub.readFailures += 1;
        sub.retry = setTimeout(() => {
          sub.retry = null;
          this.#read(sub);
        }, restartDelay(sub.readFailures));
      },
    );
  }

  #cancelRead(sub: Subscriber): void {
    sub.reading?.abort();
    sub.reading = null;
    if (sub.retry !== null) clearTimeout(sub.retry);
    sub.retry = null;
    sub.readFailures = 0;
  }

  /**
   * The lock's read answered `object` (`null`: none): it hears the newer of that and what the stream
   * delivered for the name meanwhile, and from then on the stream's events newer than what it heard.
   */
  #onRead(sub: Subscriber, object: NamedObject | null): void {
    const entry = this.#entries.get(sub.name);
    if (!entry || sub.closed) return;
    const read = versionOf(object ?? undefined);
    if (entry.known) {
      const order = object === null ? -1 : compareVersions(read, entry.latestVersion);
      // Versions that do not compare: a watch of its own, which needs no order (see the file's comment).
      if (order === undefined) {
        this.#startOwn(sub);
        return;
      }
      if (order > 0) this.#keep(entry, object, read);
    } else this.#keep(entry, object, read);
    sub.after = entry.latestVersion;
    sub.synced = true;
    if (entry.latest !== undefined) sub.onEvent('ADDED', entry.latest);
    this.#report(sub);
  }

  /** Records `object` (`null`: none) of `version` as the latest state of `entry`'s name. */
  #keep(entry: Entry, object: NamedObject | null, version: string | undefined): void {
    entry.latest = object ?? undefined;
    entry.latestVersion = version;
    entry.known = true;
  }

  #startOwn(sub: Subscriber): void {
    if (sub.own !== null || sub.closed) return;
    sub.own = watchNamedObject<NamedObject>(
      this.kubeConfig,
      this.collectionPath,
      sub.name,
      (phase, object) => this.#onOwnEvent(sub, phase, object),
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

  #onOwnEvent(sub: Subscriber, phase: WatchPhase, object: NamedObject): void {
    if (sub.closed) return;
    sub.ownVersion = versionOf(object);
    sub.onEvent(phase, object);
    // Caught up with the shared stream's latest for this name: the shared stream serves the lock from here.
    const latest = versionOf(this.#entries.get(sub.name)?.latest);
    if (!sub.synced && this.#sharedLive && latest !== undefined && latest === sub.ownVersion) this.#sync(sub);
  }

  /** The shared stream has caught up with what the lock's own watch delivered: the own watch closes. */
  #sync(sub: Subscriber): void {
    sub.synced = true;
    if (this.#sharedLive) this.#closeOwn(sub);
    this.#report(sub);
  }

  #closeOwn(sub: Subscriber): void {
    sub.own?.();
    sub.own = null;
    sub.ownLive = false;
  }

  #report(sub: Subscriber): void {
    const live = (this.#sharedLive && sub.synced) || sub.ownLive;
    if (sub.closed || live === sub.reported) return;
    sub.reported = live;
    sub.onHealth(live);
  }

  #each(fn: (sub: Subscriber) => void): void {
    for (const entry of [...this.#entries.values()]) for (const sub of [...entry.subs]) fn(sub);
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
          this.#listPending = fresh;
          if (fresh) {
            // Every lock watching now receives its current state in the list the server sends first.
            for (const entry of this.#entries.values()) {
              entry.latest = undefined;
              entry.latestVersion = undefined;
              entry.known = false;
            }
            this.#each((sub) => {
              this.#cancelRead(sub);
              sub.after = undefined;
              sub.synced = true;
            });
          } else {
            // Resumed: a name the stream has not delivered since its last fresh start may have been missed
            // (a list cut short); its locks watch their own object again until the stream has caught up.
            // Not a read: a stream resumed from a version inside a list cut short can be accepted and then
            // stay silent while the API server's watch cache fills (packages/lease/test/
            // shared-watch-memory.test.ts, after a restart), and a lock served by it alone would hear
            // nothing while it reports itself live; its own watch serves it meanwhile.
            for (const entry of this.#entries.values()) {
              if (entry.known) continue;
              for (const sub of entry.subs) {
                if (sub.reading !== null || sub.retry !== null) continue; // its read answers in order
                sub.synced = false;
                this.#startOwn(sub);
              }
            }
          }
        },
        wants: (name) => {
          this.#listPending = false;
          return name !== undefined && this.#entries.has(name);
        },
        known: (name, version) => this.#known(name, version),
        onEvent: (phase, object) => this.#onSharedEvent(phase, object),
        onHealth: (live) => {
          this.#sharedLive = live;
          this.#each((sub) => {
            if (live && sub.synced) this.#closeOwn(sub);
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

  /**
   * An ADDED or MODIFIED event of `version` for `name`, before it is parsed: when every lock of the name is
   * served by the stream as usual and holds that very version from its own answer, each is told again from
   * its answer, the entry keeps the answer's object (the same version), and the line is dropped unparsed.
   * What `#onSharedEvent` would do with the parsed copy, less the parse (see watch-prefix.ts).
   */
  #known(name: string, version: string): boolean {
    const entry = this.#entries.get(name);
    if (!entry) return false;
    let object: NamedObject | undefined;
    for (const sub of entry.subs) {
      if (sub.closed || sub.reading !== null || !sub.synced || sub.after !== undefined) return false;
      const answered = sub.answered?.object();
      if (answered === undefined || versionOf(answered) !== version) return false;
      object ??= answered;
    }
    if (object === undefined) return false;
    if (!entry.known || (compareVersions(version, entry.latestVersion) ?? 1) > 0)
      this.#keep(entry, object, version);
    for (const sub of [...entry.subs]) if (!sub.closed) sub.answered!.again();
    return true;
  }

  #onSharedEvent(phase: WatchPhase, object: NamedObject): void {
    const name = object.metadata?.name;
    const entry = name === undefined ? undefined : this.#entries.get(name);
    if (!entry) return;
    const version = versionOf(object);
    // A lock's read may have kept a newer state than this event (the stream lags): the entry keeps the newer.
    if (!entry.known || (compareVersions(version, entry.latestVersion) ?? 1) > 0) {
      this.#keep(entry, phase === 'DELETED' ? null : object, version);
    }
    for (const sub of [...entry.subs]) {
      if (sub.closed || sub.reading !== null) continue; // a lock reading hears the newer state when it answers
      if (sub.synced) {
        // Up to the version its read delivered, the stream's events are not news to the lock.
        if (sub.after !== undefined && (compareVersions(version, sub.after) ?? 1) <= 0) continue;
        sub.after = undefined;
        sub.onEvent(phase, object);
      }
      // Not yet synced: its own watch delivers; once it delivered this very version, the streams agree.
      else if (version !== undefined && version === sub.ownVersion) this.#sync(sub);
    }
  }

  /** The collection watch is forbidden: stop trying it; every lock watches its own object again. */
  #refuse(): void {
    this.#refused = true;
    this.#sharedLive = false;
    this.#closeShared?.();
    this.#closeShared = null;
    this.#each((sub) => {
      this.#cancelRead(sub);
      sub.synced = false;
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
  answered?: Answered,
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
    answered,
    lockName,
    // The stream's objects are the API server's JSON for the collection's kind: T by the caller's word.
    onEvent: (phase, object) => onEvent(phase, object as T),
    onHealth,
    onError,
    own: null,
    ownLive: false,
    ownVersion: undefined,
    reading: null,
    after: undefined,
    retry: null,
    readFailures: 0,
    synced: false,
    reported: false,
    closed: false,
  });
}
