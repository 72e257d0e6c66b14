/**
 * `SecretLock` over `SecretModel`, as a backend for the simulator: what `leasehold check` loads.
 *
 *   leasehold check examples/custom-lock/secret-backend.ts
 */
import type { BackendFactory } from '@leasehold/testkit';
import { type SecretApi, SecretLock } from './secret-lock.ts';
import { SecretModel } from './secret-model.ts';

/** A backend of SecretLocks over one fresh model; `api` may stand between the lock and the model. */
export function secretBackend(api: (model: SecretModel) => SecretApi = (model) => model): BackendFactory {
  return () => {
    const model = new SecretModel();
    return { lock: (identity) => new SecretLock('simulated', 'default', identity, api(model)) };
  };
}

export const backend = secretBackend();
