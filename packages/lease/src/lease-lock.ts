/**
 * `LeaseLock`: the record in a `coordination.k8s.io/v1` Lease, field for field as client-go's LeaseLock
 * writes it, so Leasehold, client-go and kubernetes_asyncio candidates can share one Lease.
 *
 * - Version is `metadata.resourceVersion`. `update` is a JSON merge patch that carries the expected
 *   resourceVersion, which the API server checks: a stale version answers 409 (Conflict). Fields this lock
 *   does not manage (labels, annotations, owner references) are left as they are.
 * - acquireTime / renewTime are MicroTime, sent with exactly six fractional digits as the API server
 *   requires (a `Date`'s ISO string has three and is rejected). A `Date` holds milliseconds, so the last
 *   three digits are always zero.
 * - Needs RBAC verbs get, create, update and patch on leases in the namespace (watch too, for `watch()`).
 */
import {
  type ConfigurationOptions,
  CoordinationV1Api,
  type V1Lease,
  type V1LeaseSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { LeaderElectionRecord } from '@leasehold/core';
import { KubeObjectLock, type KubeObjectLockOptions } from './kube-object-lock.ts';
import { send } from './kube-requests.ts';
import { MERGE_PATCH } from './request-options.ts';

/** The Lease's `name`, `namespace`, this candidate's `identity`, and optionally `kubeConfig` and `labels`. */
export type LeaseLockOptions = KubeObjectLockOptions;

/** A MicroTime for the wire: six fractional digits. */
export function toMicroTime(date: Date): V1MicroTime {
  return new V1MicroTime(date.getTime());
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? new Date(value.getTime()) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A Lease's spec as a record, as client-go's LeaseLock reads it (absent fields are Go's zero values). */
export function leaseSpecToRecord(spec: V1LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toDate(spec?.acquireTime),
    renewTime: toDate(spec?.renewTime),
    leaderTransitions: spec?.leaseTransitions ?? 0,
    ...(spec?.strategy ? { strategy: spec.strategy } : {}),
    ...(spec?.preferredHolder ? { preferredHolder: spec.preferredHolder } : {}),
  };
}

/**
 * The spec as client-go's LeaderElectionRecordToLeaseSpec builds it; `null` clears a field in a merge patch,
 * so a write replaces the record whole, as client-go's Update does: a release or a handover (records
 * without them) clears `strategy` and `preferredHolder`; acquiring and renewing carry them over.
 */
export function recordToLeaseSpec(record: LeaderElectionRecord): Record<string, unknown> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime ? toMicroTime(record.acquireTime) : null,
    renewTime: record.renewTime ? toMicroTime(record.renewTime) : null,
    leaseTransitions: record.leaderTransitions,
    strategy: record.strategy || null,
    preferredHolder: record.preferredHolder || null,
  };
}

/**
 * The part of a Lease the lock keeps from an answer: the metadata it or its users read (name, namespace, uid
 * for Events, resourceVersion, labels and annotations) and the spec; not `managedFields`, which is most of
 * the answer.
 */
function leaseOf(answer: unknown): V1Lease {
  const { apiVersion, kind, metadata, spec } = answer as V1Lease;
  const { name, namespace, uid, resourceVersion, labels, annotations } = metadata ?? {};
  return {
    apiVersion,
    kind,
    metadata: { name, namespace, uid, resourceVersion, labels, annotations },
    spec,
  } as V1Lease;
}

/** A `Lock` on one Lease: construct with name, namespace, identity and optionally a `KubeConfig`; see the package README. */
export class LeaseLock extends KubeObjectLock<V1Lease> {
  /** The generated client, made on first use: only where client-node gives no dispatcher (kube-requests.ts). */
  #generated: CoordinationV1Api | undefined;
  /** The Lease's own path, for the lock's own requests (kube-requests.ts). */
  readonly #path: string;
  /** The Leases of the namespace, for the watch. */
  protected readonly collectionPath: string;
  /** Where the record lives in a Lease, for messages. */
  protected readonly recordPlace = 'spec.';

  constructor(options: LeaseLockOptions) {
    super('Lease', options, true);
    this.collectionPath = `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
    this.#path = `${this.collectionPath}/${encodeURIComponent(this.name)}`;
  }

  /** The generated client for the Lease API; most processes never make it (see `#generated`). */
  get #api(): CoordinationV1Api {
    this.#generated ??= this.kubeConfig.makeApiClient(CoordinationV1Api);
    return this.#generated;
  }

  /**
   * GETs the Lease: with the lock's own request (kube-requests.ts), or the generated client where
   * client-node gives no dispatcher for it.
   */
  protected async readObject(options: ConfigurationOptions, signal?: AbortSignal): Promise<V1Lease> {
    const answer = await send(this.kubeConfig, { method: 'GET', path: this.#path, signal });
    return answer === undefined ? this.#api.readNamespacedLease(this.ref, options) : leaseOf(answer);
  }

  /** Creates the Lease holding `record` (the lock's own request or the generated client, as `readObject`). */
  protected async createObject(
    record: LeaderElectionRecord,
    options: ConfigurationOptions,
    signal?: AbortSignal,
  ): Promise<V1Lease> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: this.newMetadata(),
      spec: recordToLeaseSpec(record) as V1LeaseSpec,
    };
    const answer = await send(this.kubeConfig, {
      method: 'POST',
      path: this.collectionPath,
      body: JSON.stringify(body),
      contentType: 'application/json',
      signal,
    });
    if (answer !== undefined) return leaseOf(answer);
    return this.#api.createNamespacedLease({ namespace: this.namespace, body }, options);
  }

  /**
   * Merge-patches `record` into the Lease, carrying `expectedVersion` (compare-and-swap); the body is the
   * JSON of the record as `recordToLeaseSpec` writes it (MicroTimes with six digits), nothing more.
   */
  protected async patchObject(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options: ConfigurationOptions,
    signal?: AbortSignal,
  ): Promise<V1Lease> {
    const body = { metadata: { resourceVersion: expectedVersion }, spec: recordToLeaseSpec(record) };
    const answer = await send(this.kubeConfig, {
      method: 'PATCH',
      path: this.#path,
      body: JSON.stringify(body),
      contentType: MERGE_PATCH,
      signal,
    });
    if (answer !== undefined) return leaseOf(answer);
    return this.#api.patchNamespacedLease({ ...this.ref, body }, options);
  }

  /** The record in a Lease's spec; throws `RecordParseError` naming the field. */
  protected recordOf(lease: V1Lease): LeaderElectionRecord {
    return leaseSpecToRecord(lease.spec);
  }
}
