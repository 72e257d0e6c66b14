/**
 * `KubeObjectLock`: everything a lock on one named Kubernetes object does the same whatever the kind: the
 * options and their checks, kubeconfig loading, `get` (404 reads as absent), `create`, `update` as a JSON
 * merge patch carrying the expected resourceVersion (a stale one answers 409: compare-and-swap), the
 * health-reporting watch, the snapshot (version, record, raw object), and the checks on a stored record
 * (`checkStoredRecord`: a record nobody can follow is `Malformed`, naming the field). `LeaseLock` and
 * `ConfigMapLock` are subclasses that say where their record lives; so can a user's lock on another kind.
 */
import type { ConfigurationOptions, KubeConfig as KubeConfigType } from '@kubernetes/client-node';
import {
  ConfigError,
  checkStoredRecord,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  LockError,
  type LockSnapshot,
  RecordParseError,
} from '@leasehold/core';
import { checkClientNode } from './client-node-support.ts';
import { kubeLockError } from './kube-errors.ts';
import { checkKubeConfig, loadKubeConfig } from './kubeconfig.ts';
import { lazyRequestOptions, MERGE_PATCH } from './request-options.ts';
import { watchObjectShared } from './shared-watch.ts';
import { watchNamedObject } from './watch-object.ts';
import type { WatchPhase } from './watch-stream.ts';

/** What every Kubernetes lock is built with. */
export interface KubeObjectLockOptions {
  /** The object's name. */
  readonly name: string;
  /** The object's namespace. */
  readonly namespace: string;
  /** This candidate's identity; must be unique among candidates (pod name plus a random suffix is usual). */
  readonly identity: string;
  /**
   * Where to connect; default `loadKubeConfig()`: $KUBECONFIG, ~/.kube/config or the in-cluster service
   * account. Checked when the lock is built: one that cannot reach a cluster throws `ConfigError`.
   */
  readonly kubeConfig?: KubeConfigType;
  /** Labels put on the object when this lock creates it. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Share one watch stream with the other locks of this process on the same kind in the same namespace
   * (and KubeConfig context) instead of a watch per lock; see docs/guide.md "Many elections". A lock alone
   * watches its own object either way, and a forbidden collection watch falls back to a watch per lock.
   * Default true for `LeaseLock` (Leases are small); false for other kinds, whose shared stream would carry
   * every object of the namespace, data and all (every ConfigMap, say).
   */
  readonly sharedWatch?: boolean;
}

/** The part of any Kubernetes object this lock reads itself. */
export interface KubeObject {
  /** The object's metadata: its `name`, and its `resourceVersion`, the lock's version. */
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
}

/**
 * A `Lock` on one named Kubernetes object: everything but where the record lives in it. Subclass it for a
 * lock on another kind (the custom-lock example keeps the record in a Secret).
 */
export abstract class KubeObjectLock<T extends KubeObject> implements Lock {
  /** This candidate's identity. */
  readonly identity: string;
  /** The object's name. */
  readonly name: string;
  /** The object's namespace. */
  readonly namespace: string;
  /** Where requests go. */
  readonly kubeConfig: KubeConfigType;
  /** Labels put on the object when this lock creates it. */
  protected readonly labels: Readonly<Record<string, string>> | undefined;
  /** Whether `watch` shares a stream with the other locks of the collection (`KubeObjectLockOptions.sharedWatch`). */
  protected readonly sharedWatch: boolean;
  readonly #kind: string;
  /**
   * The snapshot of the last answer to this lock's own request (get, create, update), and its object as
   * typed (the snapshot's `raw` is `unknown`): the shared watch tells the election again from it when the
   * stream carries that very version (shared-watch.ts `Answered`).
   */
  #answered: { readonly snapshot: LockSnapshot; readonly object: T } | null = null;

  /**
   * `kind` names the object in messages (`Lease`, `ConfigMap`); `shareByDefault` is `sharedWatch` when the
   * options do not say.
   */
  constructor(kind: string, options: KubeObjectLockOptions, shareByDefault = false) {
    for (const field of ['name', 'namespace', 'identity'] as const) {
      if (typeof options?.[field] !== 'string' || options[field].trim().length === 0) {
        // A configuration mistake (an unset POD_NAME, say): the ConfigError the guide lists, naming the field.
        throw new ConfigError(`${field} non-empty`, `${kind}Lock: ${field} must be a non-empty string`);
      }
    }
    this.#kind = kind;
    this.name = options.name;
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.labels = options.labels;
    this.sharedWatch = options.sharedWatch ?? shareByDefault;
    const who = `${kind}Lock ${this.namespace}/${this.name}`;
    this.kubeConfig = options.kubeConfig ?? loadKubeConfig(who);
    // An unsupported client-node fails here, by name, not later as requests without timeouts or a dead watch;
    // so does a kubeconfig that cannot reach a cluster, instead of every request failing forever.
    checkClientNode(this.kubeConfig, who);
    checkKubeConfig(this.kubeConfig, who);
  }

  /** The collection the object lives in, for the watch, e.g. `/api/v1/namespaces/default/configmaps`. */
  protected abstract readonly collectionPath: string;
  /** Where the record lives, as a prefix for messages naming a field: `spec.` or `annotation X: `. */
  protected abstract readonly recordPlace: string;
  /**
   * GETs the object (client-node throws on 404, which `get` reads as absent). `options` are for a
   * client-node call; `signal` is the same abort signal, for a lock that sends its own request
   * (kube-requests.ts), as `LeaseLock` does.
   */
  protected abstract readObject(options: ConfigurationOptions, signal?: AbortSignal): Promise<T>;
  /** Creates the object holding `record` (`options` and `signal` as for `readObject`). */
  protected abstract createObject(
    record: LeaderElectionRecord,
    options: ConfigurationOptions,
    signal?: AbortSignal,
  ): Promise<T>;
  /**
   * A JSON merge patch writing `record` and carrying `metadata.resourceVersion: expectedVersion` (`options`
   * and `signal` as for `readObject`).
   */
  protected abstract patchObject(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options: ConfigurationOptions,
    signal?: AbortSignal,
  ): Promise<T>;
  /** The record the object holds; throws `RecordParseError` naming the field when it cannot be read. */
  protected abstract recordOf(object: T): LeaderElectionRecord;

  /** `<Kind> <namespace>/<name>`, as messages name the lock. */
  describe(): string {
    return `${this.#kind} ${this.namespace}/${this.name}`;
  }

  /**
   * The object as an `ObjectReference` (for Events about it): its apiVersion, read off `collectionPath`
   * (`/api/v1/...` or `/apis/<group>/<version>/...`), kind, name and namespace.
   */
  objectReference(): { apiVersion: string; kind: string; name: string; namespace: string } {
    const [, root, group, version] = this.collectionPath.split('/');
    const apiVersion = root === 'api' ? (group ?? 'v1') : `${group}/${version}`;
    return { apiVersion, kind: this.#kind, name: this.name, namespace: this.namespace };
  }

  /** The object's name and namespace, as client-node's calls take them. */
  protected get ref(): { name: string; namespace: string } {
    return { name: this.name, namespace: this.namespace };
  }

  /** Metadata for a new object: name, namespace, the configured labels, and `extra` (annotations). */
  protected newMetadata(extra: Record<string, unknown> = {}): Record<string, unknown> & { name: string } {
    return {
      name: this.name,
      namespace: this.namespace,
      ...(this.labels ? { labels: { ...this.labels } } : {}),
      ...extra,
    };
  }

  /** Reads the object; `null` when it does not exist. */
  async get(options?: LockCallOptions): Promise<LockSnapshot | null> {
    let object: T;
    try {
      object = await this.readObject(
        lazyRequestOptions(options?.signal, undefined, this.kubeConfig),
        options?.signal,
      );
    } catch (err) {
      const error = kubeLockError(err, this.describe(), 'get');
      if (error.kind === 'NotFound') return null;
      throw error;
    }
    return this.#answer(object);
  }

  /** Creates the object; `Conflict` if it exists already. */
  async create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot> {
    try {
      return this.#answer(
        await this.createObject(
          record,
          lazyRequestOptions(options?.signal, undefined, this.kubeConfig),
          options?.signal,
        ),
      );
    } catch (err) {
      throw kubeLockError(err, this.describe(), 'create');
    }
  }

  /** Writes `record` if the object's resourceVersion is still `expectedVersion` (409 `Conflict` otherwise). */
  async update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot> {
    try {
      return this.#answer(
        await this.patchObject(
          record,
          expectedVersion,
          lazyRequestOptions(options?.signal, MERGE_PATCH, this.kubeConfig),
          options?.signal,
        ),
      );
    } catch (err) {
      throw kubeLockError(err, this.describe(), 'update');
    }
  }

  /**
   * Watches the object: live while the API server streams its changes, through a stream shared with the
   * process's other locks of the collection (`sharedWatch`) or a watch of its own (`watchNamedObject`).
   * Notifications are hints; the elector decides on reads and compare-and-swap writes. A notification of an
   * object whose record cannot be read is dropped, not reported as a deletion: the elector's next read
   * raises `Malformed`.
   */
  watch(
    onChange: (snapshot: LockSnapshot | null) => void,
    onHealth?: (live: boolean) => void,
    onError?: (error: unknown) => void,
  ): () => void {
    const onEvent = (phase: WatchPhase, object: T) => {
      if (phase === 'DELETED') return onChange(null);
      try {
        onChange(this.snapshot(object));
      } catch {
        // Malformed: the next read reports it; a hint cannot carry an error.
      }
    };
    const health = (live: boolean) => onHealth?.(live);
    const error = (err: LockError) => onError?.(err);
    if (!this.sharedWatch)
      return watchNamedObject<T>(
        this.kubeConfig,
        this.collectionPath,
        this.name,
        onEvent,
        health,
        error,
        this.describe(),
      );
    return watchObjectShared<T>(
      this.kubeConfig,
      this.collectionPath,
      this.name,
      onEvent,
      health,
      error,
      this.describe(),
      {
        object: () => this.#answered?.object,
        // The same version as the stream's event: the same object, so the same snapshot as its parse gives.
        again: () => {
          if (this.#answered !== null) onChange(this.#answered.snapshot);
        },
      },
    );
  }

  /** An answer's snapshot (`snapshot`), kept as the last answer (`#answered`). */
  #answer(object: T): LockSnapshot {
    const snapshot = this.snapshot(object);
    this.#answered = { snapshot, object };
    return snapshot;
  }

  /** The object as a snapshot: its resourceVersion, its checked record, and the object itself. */
  protected snapshot(object: T): LockSnapshot {
    const version = object.metadata?.resourceVersion;
    if (!version) {
      throw new LockError(
        'Unavailable',
        this.describe(),
        `the API server answered a ${this.#kind} without resourceVersion`,
      );
    }
    try {
      return { record: checkStoredRecord(this.recordOf(object)), version, raw: object };
    } catch (err) {
      if (err instanceof RecordParseError) {
        throw new LockError('Malformed', this.describe(), `${this.recordPlace}${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }
}
