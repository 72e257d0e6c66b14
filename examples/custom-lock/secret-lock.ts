/**
 * A lock a user writes: the election record in a Secret (data key `leader-election-record`), implemented
 * against Leasehold's `Lock` interface with nothing but client-node. It is checked by the conformance kit
 * (examples/kube/custom-lock.test.ts) exactly as a user would check theirs.
 *
 * The one rule that makes a lock safe is compare-and-swap: `update` must succeed only if the object is still
 * at the version the elector read. Here the PUT (replace) carries `metadata.resourceVersion`, and the API
 * server answers 409 Conflict when the Secret changed in between. A plain patch without resourceVersion
 * would let two candidates that both saw an expired lease both "win": each overwrites the other and both
 * start leading. The conformance kit's stale-version and concurrent-contender checks catch exactly that.
 *
 * The lock owns its Secret: it writes the whole `data` on update, keeping labels and annotations it read.
 */
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import {
  type LeaderElectionRecord,
  type Lock,
  type LockCallOptions,
  LockError,
  type LockSnapshot,
  parseRecord,
  stringifyRecord,
} from '@leasehold/core';
import { kubeLockError, requestOptions } from '@leasehold/lease';

export const RECORD_KEY = 'leader-election-record';

/** The three calls the lock makes: client-node's CoreV1Api, or an in-process model of it (secret-model.ts). */
export type SecretApi = Pick<
  CoreV1Api,
  'readNamespacedSecret' | 'createNamespacedSecret' | 'replaceNamespacedSecret'
>;

export class SecretLock implements Lock {
  readonly name: string;
  readonly namespace: string;
  readonly identity: string;
  readonly #api: SecretApi;
  /** The object as last read or written, to keep its metadata on replace. */
  #last: V1Secret | undefined;

  /** `connection`: a KubeConfig (the real API server) or a `SecretApi` (a model, for the simulator). */
  constructor(name: string, namespace: string, identity: string, connection: KubeConfig | SecretApi) {
    if (!name || !namespace || !identity)
      throw new TypeError('SecretLock: name, namespace and identity are required');
    this.name = name;
    this.namespace = namespace;
    this.identity = identity;
    this.#api = 'makeApiClient' in connection ? connection.makeApiClient(CoreV1Api) : connection;
  }

  describe(): string {
    return `Secret ${this.namespace}/${this.name}`;
  }

  async get(options?: LockCallOptions): Promise<LockSnapshot | null> {
    try {
      const secret = await this.#api.readNamespacedSecret(
        { name: this.name, namespace: this.namespace },
        requestOptions(options?.signal),
      );
      return this.#snapshot(secret);
    } catch (err) {
      if (err instanceof LockError) throw err;
      const error = kubeLockError(err, this.describe(), 'get');
      if (error.kind === 'NotFound') return null;
      throw error;
    }
  }

  async create(record: LeaderElectionRecord, options?: LockCallOptions): Promise<LockSnapshot> {
    const body: V1Secret = {
      metadata: { name: this.name, namespace: this.namespace },
      type: 'Opaque',
      data: { [RECORD_KEY]: encode(record) },
    };
    try {
      return this.#snapshot(
        await this.#api.createNamespacedSecret(
          { namespace: this.namespace, body },
          requestOptions(options?.signal),
        ),
      );
    } catch (err) {
      if (err instanceof LockError) throw err;
      throw kubeLockError(err, this.describe(), 'create'); // 409 AlreadyExists -> Conflict
    }
  }

  async update(
    record: LeaderElectionRecord,
    expectedVersion: string,
    options?: LockCallOptions,
  ): Promise<LockSnapshot> {
    const body: V1Secret = {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(this.#last?.metadata?.labels ? { labels: this.#last.metadata.labels } : {}),
        ...(this.#last?.metadata?.annotations ? { annotations: this.#last.metadata.annotations } : {}),
        // The compare-and-swap: the API server rejects the write with 409 if the Secret moved on.
        resourceVersion: expectedVersion,
      },
      type: 'Opaque',
      data: { [RECORD_KEY]: encode(record) },
    };
    try {
      return this.#snapshot(
        await this.#api.replaceNamespacedSecret(
          { name: this.name, namespace: this.namespace, body },
          requestOptions(options?.signal),
        ),
      );
    } catch (err) {
      if (err instanceof LockError) throw err;
      throw kubeLockError(err, this.describe(), 'update'); // 409 -> Conflict, 404 -> NotFound
    }
  }

  #snapshot(secret: V1Secret): LockSnapshot {
    this.#last = secret;
    const version = secret.metadata?.resourceVersion;
    if (!version)
      throw new LockError('Unavailable', this.describe(), 'the Secret came back without resourceVersion');
    const data = secret.data?.[RECORD_KEY];
    if (data === undefined) {
      // A Secret without the key reads as released, so the elector takes it with a compare-and-swap.
      const released = {
        holderIdentity: '',
        leaseDurationSeconds: 0,
        acquireTime: null,
        renewTime: null,
        leaderTransitions: 0,
      };
      return { record: released, version, raw: secret };
    }
    try {
      return { record: parseRecord(Buffer.from(data, 'base64').toString('utf8')), version, raw: secret };
    } catch (err) {
      throw new LockError('Malformed', this.describe(), `data key ${RECORD_KEY}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

function encode(record: LeaderElectionRecord): string {
  return Buffer.from(stringifyRecord(record)).toString('base64');
}
