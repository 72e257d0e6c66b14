/**
 * An in-process model of the API server's Secrets, the backend `SecretLock` runs on in the simulator: what a
 * user writes to model-check their lock (docs/model-checking.md). It keeps what the lock relies on and
 * nothing more:
 * - every write gets a new `resourceVersion` (a counter, as etcd's revision is);
 * - a read of a missing Secret, a create of an existing one, and a replace whose `metadata.resourceVersion`
 *   is not the current one fail as the API server answers them (404, 409), as client-node's `ApiException`;
 * - a replace without `resourceVersion` overwrites unconditionally, as the API server does.
 * No timers and no I/O: the simulator brings latency, failures and partitions around it.
 */
import {
  ApiException,
  type CoreV1ApiCreateNamespacedSecretRequest,
  type CoreV1ApiReadNamespacedSecretRequest,
  type CoreV1ApiReplaceNamespacedSecretRequest,
  type V1Secret,
} from '@kubernetes/client-node';
import type { SecretApi } from './secret-lock.ts';

export class SecretModel implements SecretApi {
  readonly #secrets = new Map<string, V1Secret>();
  #revision = 0;

  async readNamespacedSecret({ name, namespace }: CoreV1ApiReadNamespacedSecretRequest): Promise<V1Secret> {
    return copy(this.#existing(namespace, name));
  }

  async createNamespacedSecret({
    namespace,
    body,
  }: CoreV1ApiCreateNamespacedSecretRequest): Promise<V1Secret> {
    const name = body.metadata?.name ?? '';
    if (this.#secrets.has(key(namespace, name))) throw status(409, `secrets "${name}" already exists`);
    return this.#write(namespace, name, body);
  }

  async replaceNamespacedSecret({
    name,
    namespace,
    body,
  }: CoreV1ApiReplaceNamespacedSecretRequest): Promise<V1Secret> {
    const current = this.#existing(namespace, name);
    const expected = body.metadata?.resourceVersion;
    if (expected !== undefined && expected !== current.metadata?.resourceVersion)
      throw status(409, `Operation cannot be fulfilled on secrets "${name}": the object has been modified`);
    return this.#write(namespace, name, body);
  }

  #existing(namespace: string, name: string): V1Secret {
    const secret = this.#secrets.get(key(namespace, name));
    if (!secret) throw status(404, `secrets "${name}" not found`);
    return secret;
  }

  #write(namespace: string, name: string, body: V1Secret): V1Secret {
    this.#revision += 1;
    const stored: V1Secret = {
      ...copy(body),
      metadata: { ...body.metadata, name, namespace, resourceVersion: String(this.#revision) },
    };
    this.#secrets.set(key(namespace, name), stored);
    return copy(stored);
  }
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

function copy(secret: V1Secret): V1Secret {
  return structuredClone(secret);
}

/** The error client-node throws for an API status: what `kubeLockError` maps (404 NotFound, 409 Conflict). */
function status(code: number, message: string): ApiException<unknown> {
  return new ApiException(code, message, { kind: 'Status', code, message }, {});
}
