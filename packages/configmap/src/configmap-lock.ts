/**
 * `ConfigMapLock`: the record as JSON in the annotation `control-plane.alpha.kubernetes.io/leader` of a
 * ConfigMap, byte for byte as client-go's (removed) ConfigMapLock and kubernetes_asyncio's write it.
 *
 * - Version is `metadata.resourceVersion`; `update` is a JSON merge patch of that one annotation carrying
 *   the expected resourceVersion, so a stale version answers 409 and the data and other annotations of the
 *   ConfigMap are never touched.
 * - An existing ConfigMap without the annotation reads as a released record (empty holder), as client-go
 *   read it; the elector then takes it with a compare-and-swap.
 * - An annotation that is not a valid record is reported as `Malformed` on every read and is never
 *   overwritten by the elector: fix or remove it by hand.
 * - Needs RBAC verbs get, create, update and patch on configmaps in the namespace (watch for `watch()`).
 */
import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import {
  checkStoredRecord,
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  LockError,
  type LockSnapshot,
  parseRecord,
  RecordParseError,
  stringifyRecord,
} from '@leasehold/core';
import { kubeLockError, MERGE_PATCH, requestOptions, watchNamedObject } from '@leasehold/lease';

export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export interface ConfigMapLockOptions {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  /** Where to connect; default `KubeConfig.loadFromDefault()`. */
  readonly kubeConfig?: KubeConfig;
  /** Labels put on the ConfigMap when this lock creates it. */
  readonly labels?: Readonly<Record<string, string>>;
}

const RELEASED: LeaderElectionRecord = {
  holderIdentity: '',
  leaseDurationSeconds: 0,
  acquireTime: null,
  renewTime: null,
  leaderTransitions: 0,
};

export class ConfigMapLock implements Lock {
  readonly identity: string;
  readonly name: string;
  readonly namespace: string;
  readonly #api: CoreV1Api;
  readonly #kubeConfig: KubeConfig;
  readonly #labels: Readonly<Record<string, string>> | undefined;

  constructor(options: ConfigMapLockOptions) {
    for (const field of ['name', 'namespace', 'identity'] as const) {
      if (typeof options?.[field] !== 'string' || options[field].length === 0) {
        throw new TypeError(`ConfigMapLock: ${field} must be a non-empty string`);
      }
    }
    this.name = options.name;
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.#labels = options.labels;
    this.#kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.#api = this.#kubeConfig.makeApiClient(CoreV1Api);
  }

  describe(): string {
    return `ConfigMap ${this.namespace}/${this.name}`;
  }

  async get(options?: LockCallOptions): Promise<LockSnapshot | null> {
    let configMap: V1ConfigMap;
    try {
      configMap = await this.#api.readNamespacedConfigMap(
        { name: this.name, namespace: this.namespace },
        requestOptions(options?.signal),
      );
    } catch (err) {
      const error = kubeLockError(err, this.describe(), 'get');
      if (error.kind === 'NotFound') return null;
      throw error;
    }
    return this.#snapshot(configMap);
  }

  async create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot> {
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        annotations: { [LEADER_ANNOTATION]: stringifyRecord(record) },
        ...(this.#labels ? { labels: { ...this.#labels } } : {}),
      },
    };
    try {
      return this.#snapshot(
        await this.#api.createNamespacedConfigMap(
          { namespace: this.namespace, body },
          requestOptions(options?.signal),
        ),
      );
    } catch (err) {
      if (err instanceof LockError) throw err;
      throw kubeLockError(err, this.describe(), 'create');
    }
  }

  async update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot> {
    const patch = {
      metadata: {
        resourceVersion: expectedVersion,
        annotations: { [LEADER_ANNOTATION]: stringifyRecord(record) },
      },
    };
    try {
      return this.#snapshot(
        await this.#api.patchNamespacedConfigMap(
          { name: this.name, namespace: this.namespace, body: patch },
          requestOptions(options?.signal, MERGE_PATCH),
        ),
      );
    } catch (err) {
      if (err instanceof LockError) throw err;
      throw kubeLockError(err, this.describe(), 'update');
    }
  }

  /**
   * Watches this ConfigMap (`watchNamedObject` from `@leasehold/lease`: live while the API server streams
   * its changes) and passes each change on as a hint (the elector still decides on reads and
   * compare-and-swap writes). A notification whose annotation is malformed is dropped, not reported as a
   * deletion: the elector's next read raises the typed Malformed error.
   */
  watch(
    onChange: (snapshot: LockSnapshot | null) => void,
    onHealth?: (live: boolean) => void,
    onError?: (error: unknown) => void,
  ): () => void {
    return watchNamedObject<V1ConfigMap>(
      this.#kubeConfig,
      `/api/v1/namespaces/${this.namespace}/configmaps`,
      this.name,
      (phase, configMap) => {
        if (phase === 'DELETED') return onChange(null);
        try {
          onChange(this.#snapshot(configMap));
        } catch {
          // Malformed: the next read reports it; a hint cannot carry an error.
        }
      },
      onHealth,
      onError,
      this.describe(),
    );
  }

  #snapshot(configMap: V1ConfigMap): LockSnapshot {
    const version = configMap.metadata?.resourceVersion;
    if (!version)
      throw new LockError(
        'Unavailable',
        this.describe(),
        'the API server answered a ConfigMap without resourceVersion',
      );
    const text = configMap.metadata?.annotations?.[LEADER_ANNOTATION];
    if (text === undefined) return { record: RELEASED, version, raw: configMap };
    try {
      return { record: checkStoredRecord(parseRecord(text)), version, raw: configMap };
    } catch (err) {
      if (err instanceof RecordParseError) {
        throw new LockError('Malformed', this.describe(), `annotation ${LEADER_ANNOTATION}: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
