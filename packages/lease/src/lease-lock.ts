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
  CoordinationV1Api,
  KubeConfig,
  type V1Lease,
  type V1LeaseSpec,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { LeaderElectionRecord, Lock, LockCallOptions, LockSnapshot } from '@leasehold/core';
import { checkStoredRecord, LockError, RecordParseError } from '@leasehold/core';
import { kubeLockError } from './kube-errors.ts';
import { MERGE_PATCH, requestOptions } from './request-options.ts';
import { watchNamedObject } from './watch-object.ts';

export interface LeaseLockOptions {
  /** The Lease's name. */
  readonly name: string;
  readonly namespace: string;
  /** This candidate's identity; must be unique among candidates (pod name plus a random suffix is usual). */
  readonly identity: string;
  /** Where to connect; default `KubeConfig.loadFromDefault()` (in-cluster, or $KUBECONFIG). */
  readonly kubeConfig?: KubeConfig;
  /** Labels put on the Lease when this lock creates it. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A MicroTime for the wire: six fractional digits. */
export function toMicroTime(date: Date): V1MicroTime {
  return new V1MicroTime(date.getTime());
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? new Date(value.getTime()) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

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

/** The spec as client-go's LeaderElectionRecordToLeaseSpec builds it; `null` clears a field in a merge patch. */
export function recordToLeaseSpec(record: LeaderElectionRecord): Record<string, unknown> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime ? toMicroTime(record.acquireTime) : null,
    renewTime: record.renewTime ? toMicroTime(record.renewTime) : null,
    leaseTransitions: record.leaderTransitions,
    ...(record.strategy ? { strategy: record.strategy } : {}),
    ...(record.preferredHolder ? { preferredHolder: record.preferredHolder } : {}),
  };
}

export class LeaseLock implements Lock {
  readonly identity: string;
  readonly name: string;
  readonly namespace: string;
  readonly #api: CoordinationV1Api;
  readonly #kubeConfig: KubeConfig;
  readonly #labels: Readonly<Record<string, string>> | undefined;

  constructor(options: LeaseLockOptions) {
    for (const field of ['name', 'namespace', 'identity'] as const) {
      if (typeof options?.[field] !== 'string' || options[field].length === 0) {
        throw new TypeError(`LeaseLock: ${field} must be a non-empty string`);
      }
    }
    this.name = options.name;
    this.namespace = options.namespace;
    this.identity = options.identity;
    this.#labels = options.labels;
    this.#kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.#api = this.#kubeConfig.makeApiClient(CoordinationV1Api);
  }

  describe(): string {
    return `Lease ${this.namespace}/${this.name}`;
  }

  async get(options?: LockCallOptions): Promise<LockSnapshot | null> {
    try {
      const lease = await this.#api.readNamespacedLease(
        { name: this.name, namespace: this.namespace },
        requestOptions(options?.signal),
      );
      return this.#snapshot(lease);
    } catch (err) {
      const error = kubeLockError(err, this.describe(), 'get');
      if (error.kind === 'NotFound') return null;
      throw error;
    }
  }

  async create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot> {
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(this.#labels ? { labels: { ...this.#labels } } : {}),
      },
      spec: recordToLeaseSpec(record) as V1LeaseSpec,
    };
    try {
      const lease = await this.#api.createNamespacedLease(
        { namespace: this.namespace, body },
        requestOptions(options?.signal),
      );
      return this.#snapshot(lease);
    } catch (err) {
      throw kubeLockError(err, this.describe(), 'create');
    }
  }

  async update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot> {
    const patch = { metadata: { resourceVersion: expectedVersion }, spec: recordToLeaseSpec(record) };
    try {
      const lease = await this.#api.patchNamespacedLease(
        { name: this.name, namespace: this.namespace, body: patch },
        requestOptions(options?.signal, MERGE_PATCH),
      );
      return this.#snapshot(lease);
    } catch (err) {
      throw kubeLockError(err, this.describe(), 'update');
    }
  }

  /**
   * Watches this Lease (`watchNamedObject`: live while the API server streams its changes). Notifications
   * are hints; the elector decides on reads and compare-and-swap writes.
   */
  watch(
    onChange: (snapshot: LockSnapshot | null) => void,
    onHealth?: (live: boolean) => void,
    onError?: (error: unknown) => void,
  ): () => void {
    return watchNamedObject<V1Lease>(
      this.#kubeConfig,
      `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`,
      this.name,
      (phase, lease) => {
        if (phase === 'DELETED') return onChange(null);
        try {
          onChange(this.#snapshot(lease));
        } catch {
          // A malformed Lease: the next read reports it; a hint cannot carry an error.
        }
      },
      onHealth,
      onError,
      this.describe(),
    );
  }

  #snapshot(lease: V1Lease): LockSnapshot {
    const version = lease.metadata?.resourceVersion;
    if (!version)
      throw new LockError(
        'Unavailable',
        this.describe(),
        'the API server answered a Lease without resourceVersion',
      );
    try {
      return { record: checkStoredRecord(leaseSpecToRecord(lease.spec)), version, raw: lease };
    } catch (err) {
      if (err instanceof RecordParseError) {
        throw new LockError('Malformed', this.describe(), `spec.${err.message}`, { cause: err });
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
