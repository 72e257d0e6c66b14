/**
 * A LeaseCandidate (`coordination.k8s.io/v1beta1`) for coordinated leader election: it tells the API
 * server's coordinated-election controller that this candidate contends for the Lease `leaseName`, with
 * which versions and strategy. The controller picks the holder among the candidates (with the default
 * strategy `OldestEmulationVersion`, the one with the oldest emulation version, then binary version) and
 * writes it into the Lease, and sets the Lease's `preferredHolder` when a better candidate appears. An
 * election with `coordinated: true` follows that choice.
 *
 * The candidate's name is its identity (the controller writes it as the Lease's holderIdentity). While
 * started it watches its own object and answers the controller's pings (a `pingTime` newer than its
 * `renewTime`) by renewing, and renews every `renewInterval` besides; `stop()` deletes it. Needs the
 * `CoordinatedLeaderElection` feature gate and the `coordination.k8s.io/v1beta1` API on the API server,
 * and RBAC verbs get, create, update, patch, delete and watch on `leasecandidates`.
 */
import { CoordinationV1beta1Api, type KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import type { LockError } from '@leasehold/core';
import { kubeLockError } from './kube-errors.ts';
import { MERGE_PATCH, requestOptions } from './request-options.ts';
import { watchNamedObject } from './watch-object.ts';

/** What a `LeaseCandidate` is built with. */
export interface LeaseCandidateOptions {
  /** The Lease contended for. */
  readonly leaseName: string;
  /** Its namespace (the candidate lives there too). */
  readonly namespace: string;
  /** This candidate's identity: the LeaseCandidate's name, and the election lock's identity. */
  readonly identity: string;
  /** This candidate's binary version, semver without a leading `v` (e.g. `1.4.2`). */
  readonly binaryVersion: string;
  /** The version it emulates (at most `binaryVersion`); default `binaryVersion`. */
  readonly emulationVersion?: string;
  /** The election strategy; default `OldestEmulationVersion` (the only one Kubernetes 1.37 offers). */
  readonly strategy?: string;
  /** Where to connect. */
  readonly kubeConfig: KubeConfig;
  /** Seconds between renewals when the controller does not ping; default 60. */
  readonly renewInterval?: number;
  /** Failures to publish, renew or delete the candidate; default none (they are retried). */
  readonly onError?: (error: LockError) => void;
}

interface CandidateObject {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly pingTime?: Date | string; readonly renewTime?: Date | string };
}

const time = (value: Date | string | undefined): number => (value ? new Date(value).getTime() : 0);

/** Publishes and renews this candidate's LeaseCandidate while started (see the file's comment). */
export class LeaseCandidate {
  /** What it was built with. */
  readonly options: LeaseCandidateOptions;
  readonly #api: CoordinationV1beta1Api;
  #closeWatch: (() => void) | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: LeaseCandidateOptions) {
    for (const field of ['leaseName', 'namespace', 'identity', 'binaryVersion'] as const) {
      if (typeof options?.[field] !== 'string' || options[field].length === 0)
        throw new TypeError(`LeaseCandidate: ${field} must be a non-empty string`);
    }
    this.options = options;
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1beta1Api);
  }

  /** `LeaseCandidate <namespace>/<name>`, as messages name it. */
  describe(): string {
    return `LeaseCandidate ${this.options.namespace}/${this.options.identity}`;
  }

  /** Publishes the candidate (replacing one left by an earlier run) and starts answering pings. */
  async start(): Promise<void> {
    const { namespace, identity, leaseName, binaryVersion } = this.options;
    const spec = {
      leaseName,
      binaryVersion,
      emulationVersion: this.options.emulationVersion ?? binaryVersion,
      strategy: this.options.strategy ?? 'OldestEmulationVersion',
      renewTime: new V1MicroTime(Date.now()),
    };
    try {
      await this.#api.createNamespacedLeaseCandidate({
        namespace,
        body: { metadata: { name: identity, namespace }, spec },
      });
    } catch (err) {
      const error = kubeLockError(err, this.describe(), 'create');
      if (error.kind !== 'Conflict') throw error;
      // One left by an earlier run of this identity: make it ours (versions may have changed).
      await this.#patch({ spec }, 'update');
    }
    this.#closeWatch = watchNamedObject<CandidateObject>(
      this.options.kubeConfig,
      `/apis/coordination.k8s.io/v1beta1/namespaces/${namespace}/leasecandidates`,
      identity,
      (phase, object) => {
        if (phase !== 'DELETED' && time(object.spec?.pingTime) > time(object.spec?.renewTime))
          void this.renew();
      },
      undefined,
      (error) => this.options.onError?.(error),
      this.describe(),
    );
    this.#timer = setInterval(() => void this.renew(), (this.options.renewInterval ?? 60) * 1000);
    this.#timer.unref?.();
  }

  /** Renews the candidate now (the controller treats a candidate that stops renewing as gone). */
  async renew(): Promise<void> {
    try {
      await this.#patch({ spec: { renewTime: new V1MicroTime(Date.now()) } }, 'renew');
    } catch (err) {
      this.options.onError?.(err as LockError);
    }
  }

  /** Stops answering pings and deletes the candidate. */
  async stop(): Promise<void> {
    this.#closeWatch?.();
    this.#closeWatch = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    try {
      await this.#api.deleteNamespacedLeaseCandidate({
        name: this.options.identity,
        namespace: this.options.namespace,
      });
    } catch (err) {
      const error = kubeLockError(err, this.describe(), 'delete');
      if (error.kind !== 'NotFound') this.options.onError?.(error);
    }
  }

  async #patch(body: object, action: string): Promise<void> {
    try {
      await this.#api.patchNamespacedLeaseCandidate(
        { name: this.options.identity, namespace: this.options.namespace, body },
        requestOptions(undefined, MERGE_PATCH, this.options.kubeConfig),
      );
    } catch (err) {
      throw kubeLockError(err, this.describe(), action);
    }
  }
}
