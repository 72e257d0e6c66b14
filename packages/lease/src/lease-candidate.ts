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
 * `renewTime`) by renewing, once per ping, and renews every `renewInterval` besides, with at most one
 * renewal in flight and one pending; `stop()` deletes it. Needs the
 * `CoordinatedLeaderElection` feature gate and the `coordination.k8s.io/v1beta1` API on the API server,
 * and RBAC verbs create, patch, delete and watch on `leasecandidates` (the only requests it sends: it
 * reads its object through the watch, and takes one left by an earlier run over with a patch).
 */
import { CoordinationV1beta1Api, type KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { ConfigError, type LockError } from '@leasehold/core';
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
  /**
   * Failures to publish, renew or delete the candidate; default none (they are retried). If it throws, or
   * returns a promise that rejects (an `async` function), the candidate goes on (the first such failure is
   * written to console.error).
   */
  readonly onError?: (error: LockError) => void;
}

interface CandidateObject {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly pingTime?: Date | string; readonly renewTime?: Date | string };
}

const time = (value: Date | string | undefined): number => (value ? new Date(value).getTime() : 0);

/** What one `start()` set up, until `stop()`. */
interface Run {
  stopped: boolean;
  closeWatch: (() => void) | null;
  timer: ReturnType<typeof setInterval> | null;
}

/** Publishes and renews this candidate's LeaseCandidate while started (see the file's comment). */
export class LeaseCandidate {
  /** What it was built with. */
  readonly options: LeaseCandidateOptions;
  readonly #api: CoordinationV1beta1Api;
  /** The current run's start, shared by every `start()` until `stop()`: a second start sets up nothing. */
  #starting: Promise<void> | null = null;
  #run: Run | null = null;
  /** The renewal in flight, which runs once more if asked to meanwhile (`#again`). */
  #renewing: Promise<void> | null = null;
  #again = false;
  /** The newest ping answered (ms): each ping is answered once, whatever the clocks say. */
  #answeredPing = 0;
  #onErrorThrew = false;

  constructor(options: LeaseCandidateOptions) {
    for (const field of ['leaseName', 'namespace', 'identity', 'binaryVersion'] as const) {
      // A configuration mistake (an unset POD_NAME, say): the ConfigError the locks throw too.
      if (typeof options?.[field] !== 'string' || options[field].trim().length === 0)
        throw new ConfigError(`${field} non-empty`, `LeaseCandidate: ${field} must be a non-empty string`);
    }
    this.options = options;
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1beta1Api);
  }

  /** `LeaseCandidate <namespace>/<name>`, as messages name it. */
  describe(): string {
    return `LeaseCandidate ${this.options.namespace}/${this.options.identity}`;
  }

  /**
   * Publishes the candidate (replacing one left by an earlier run) and starts answering pings. Idempotent:
   * until `stop()`, every call returns the first call's promise and sets up no second watch or timer. After a
   * failed start, the next call tries again.
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const run: Run = { stopped: false, closeWatch: null, timer: null };
    this.#run = run;
    const { namespace, identity, leaseName, binaryVersion } = this.options;
    const spec = {
      leaseName,
      binaryVersion,
      emulationVersion: this.options.emulationVersion ?? binaryVersion,
      strategy: this.options.strategy ?? 'OldestEmulationVersion',
      renewTime: new V1MicroTime(Date.now()),
    };
    try {
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
    } catch (err) {
      if (this.#run === run) {
        this.#run = null;
        this.#starting = null;
      }
      throw err;
    }
    if (run.stopped) return; // stop() came while creating: it deletes what was created, once created
    run.closeWatch = watchNamedObject<CandidateObject>(
      this.options.kubeConfig,
      `/apis/coordination.k8s.io/v1beta1/namespaces/${namespace}/leasecandidates`,
      identity,
      (phase, object) => {
        if (phase === 'DELETED') return;
        const ping = time(object.spec?.pingTime);
        // A ping newer than the last renewal, not answered yet. Only once per ping: with a local clock behind
        // the controller's, our renewTime stays older than its pingTime, and answering every event (our own
        // renewals' included) would renew in a loop.
        if (ping > time(object.spec?.renewTime) && ping > this.#answeredPing) {
          this.#answeredPing = ping;
          void this.renew();
        }
      },
      undefined,
      (error) => this.#report(error),
      this.describe(),
    );
    run.timer = setInterval(() => void this.renew(), (this.options.renewInterval ?? 60) * 1000);
    run.timer.unref?.();
  }

  /**
   * Renews the candidate now (the controller treats a candidate that stops renewing as gone). Coalesced: at
   * most one renewal is in flight; calls meanwhile make it run once more when it ends, and resolve then.
   * Never rejects: failures go to `onError`.
   */
  renew(): Promise<void> {
    if (this.#renewing) {
      this.#again = true;
      return this.#renewing;
    }
    this.#renewing = this.#renewWhileAsked().finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #renewWhileAsked(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#patch({ spec: { renewTime: new V1MicroTime(Date.now()) } }, 'renew');
      } catch (err) {
        this.#report(err as LockError);
      }
    } while (this.#again && this.#run !== null);
  }

  /** Stops answering pings and deletes the candidate. */
  async stop(): Promise<void> {
    const run = this.#run;
    const starting = this.#starting;
    this.#run = null;
    this.#starting = null;
    if (run) {
      run.stopped = true;
      run.closeWatch?.();
      if (run.timer) clearInterval(run.timer);
    }
    // A start in flight lands its create first (and sets up nothing more), so the delete removes it.
    await starting?.catch(() => {});
    try {
      await this.#api.deleteNamespacedLeaseCandidate({
        name: this.options.identity,
        namespace: this.options.namespace,
      });
    } catch (err) {
      const error = kubeLockError(err, this.describe(), 'delete');
      if (error.kind !== 'NotFound') this.#report(error);
    }
  }

  /**
   * Passes `error` to `onError`. A throwing `onError`, or an `async` one whose promise rejects, must not
   * become an unhandled rejection (renewals run from a timer and from watch events, where nobody awaits
   * them): its failure is written once to console.error, the only place left to say so.
   */
  #report(error: LockError): void {
    try {
      // Typed to return nothing, but an async function is assignable to it: its promise is caught too.
      const result: unknown = this.options.onError?.(error);
      if (result !== undefined)
        Promise.resolve(result).then(undefined, (thrown) => this.#onErrorFailed(thrown));
    } catch (thrown) {
      this.#onErrorFailed(thrown);
    }
  }

  /** `onError` threw or rejected: the first such failure goes to console.error, later ones nowhere. */
  #onErrorFailed(thrown: unknown): void {
    if (this.#onErrorThrew) return;
    this.#onErrorThrew = true;
    // Name and message only: an error's cause may carry response headers.
    const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    console.error(`${this.describe()}: onError threw (reported once): ${what}`);
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
