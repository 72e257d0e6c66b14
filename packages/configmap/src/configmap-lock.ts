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
import { type ConfigurationOptions, CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { emptyRecord, type LeaderElectionRecord, parseRecord, stringifyRecord } from '@leasehold/core';
import { KubeObjectLock, type KubeObjectLockOptions } from '@leasehold/lease';

/** The annotation holding the record, as client-go and kubernetes_asyncio name it. */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

/** The ConfigMap's `name`, `namespace`, this candidate's `identity`, and optionally `kubeConfig` and `labels`. */
export type ConfigMapLockOptions = KubeObjectLockOptions;

/** A `Lock` on one ConfigMap: construct with name, namespace, identity and optionally a `KubeConfig`; see the package README. */
export class ConfigMapLock extends KubeObjectLock<V1ConfigMap> {
  readonly #api: CoreV1Api;
  /** The ConfigMaps of the namespace, for the watch. */
  protected readonly collectionPath: string;
  /** Where the record lives in a ConfigMap, for messages. */
  protected readonly recordPlace = `annotation ${LEADER_ANNOTATION}: `;

  constructor(options: ConfigMapLockOptions) {
    super('ConfigMap', options);
    this.#api = this.kubeConfig.makeApiClient(CoreV1Api);
    this.collectionPath = `/api/v1/namespaces/${this.namespace}/configmaps`;
  }

  /** GETs the ConfigMap. */
  protected readObject(options: ConfigurationOptions): Promise<V1ConfigMap> {
    return this.#api.readNamespacedConfigMap(this.ref, options);
  }

  /** Creates the ConfigMap holding `record`. */
  protected createObject(record: LeaderElectionRecord, options: ConfigurationOptions): Promise<V1ConfigMap> {
    const annotations = { [LEADER_ANNOTATION]: stringifyRecord(record) };
    const body: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: this.newMetadata({ annotations }),
    };
    return this.#api.createNamespacedConfigMap({ namespace: this.namespace, body }, options);
  }

  /** Patches that one annotation: the data and other annotations of the ConfigMap are never touched. */
  protected patchObject(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options: ConfigurationOptions,
  ): Promise<V1ConfigMap> {
    const body = {
      metadata: {
        resourceVersion: expectedVersion,
        annotations: { [LEADER_ANNOTATION]: stringifyRecord(record) },
      },
    };
    return this.#api.patchNamespacedConfigMap({ ...this.ref, body }, options);
  }

  /** Without the annotation, the ConfigMap reads as released, as client-go read it. */
  protected recordOf(configMap: V1ConfigMap): LeaderElectionRecord {
    const text = configMap.metadata?.annotations?.[LEADER_ANNOTATION];
    return text === undefined ? emptyRecord() : parseRecord(text);
  }
}
