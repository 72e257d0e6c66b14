/**
 * `SecretLock` over `SecretModel`, as a backend for the simulator: what `leasehold check` loads.
 *
 *   leasehold check examples/custom-lock/secret-backend.ts
 *
 * It offers its store (`store`, a `StoreBackend`), so the check reaches inside the lock: the model's calls
 * are slow, fail, lose their answers after applying and arrive twice, each failure as the API server's own
 * answer (client-node's `ApiException`: 503 for a call that never got through, 504 for one that timed out
 * and may have applied). `backend` is the same without those faults.
 */
import { ApiException } from '@kubernetes/client-node';
import type { BackendFactory, StoreBackend } from '@leasehold/testkit';
import { type SecretApi, SecretLock } from './secret-lock.ts';
import { SecretModel } from './secret-model.ts';

/** SecretLocks over one fresh model per run; `api` may stand between the lock and the model. */
export function secretStore(
  api: (model: SecretModel) => SecretApi = (model) => model,
): StoreBackend<SecretModel> {
  return {
    createStore: () => new SecretModel(),
    createLock: (model, identity) => new SecretLock('simulated', 'default', identity, api(model)),
    storeError: (kind, call) => {
      const code = kind === 'timeout' ? 504 : 503;
      const message = kind === 'timeout' ? `${call}: the request timed out` : `${call}: service unavailable`;
      return new ApiException(code, message, { kind: 'Status', code, message }, {});
    },
  };
}

/** A backend of SecretLocks over one fresh model, without faults inside the lock. */
export function secretBackend(api: (model: SecretModel) => SecretApi = (model) => model): BackendFactory {
  const store = secretStore(api);
  return (clock) => {
    const model = store.createStore(clock);
    return { lock: (identity) => store.createLock(model, identity, clock) };
  };
}

export const store = secretStore();
export const backend = secretBackend();
