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

/** A `Lock` on one Lease: construct with name, namespace, identity and optionally a `KubeConfig`; see the package README. */
export class LeaseLock extends KubeObjectLock<V1Lease> {
  readonly #api: CoordinationV1Api;
  /** The Leases of the namespace, for the watch. */
  protected readonly collectionPath: string;
  /** Where the record lives in a Lease, for messages. */
  protected readonly recordPlace = 'spec.';

  constructor(options: LeaseLockOptions) {
    super('Lease', options, true);
    this.#api = this.kubeConfig.makeApiClient(CoordinationV1Api);
    this.collectionPath = `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
  }

  /** GETs the Lease. */
  protected readObject(options: ConfigurationOptions): Promise<V1Lease> {
    return this.#api.readNamespacedLease(this.ref, options);
  }

  /** Creates the Lease holding `record`. */
  protected createObject(record: LeaderElectionRecord, options: ConfigurationOptions): Promise<V1Lease> {
    const spec = recordToLeaseSpec(record) as V1LeaseSpec;
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: this.newMetadata(),
      spec,
    };
    return this.#api.createNamespacedLease({ namespace: this.namespace, body }, options);
  }

  /** Merge-patches `record` into the Lease, carrying `expectedVersion` (compare-and-swap). */
  protected patchObject(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options: ConfigurationOptions,
  ): Promise<V1Lease> {
    const body = { metadata: { resourceVersion: expectedVersion }, spec: recordToLeaseSpec(record) };
    return this.#api.patchNamespacedLease({ ...this.ref, body }, options);
  }

  /** The record in a Lease's spec; throws `RecordParseError` naming the field. */
  protected recordOf(lease: V1Lease): LeaderElectionRecord {
    return leaseSpecToRecord(lease.spec);
  }
}
