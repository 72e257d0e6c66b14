/**
 * A broken variant of the Secret lock, for showing that model-checking catches it: every replace drops
 * `resourceVersion`, so it overwrites whatever is there (no compare-and-swap).
 *
 *   leasehold check examples/custom-lock/careless-secret-backend.ts   # FAIL, with a replay command
 */

import { secretBackend, secretStore } from './secret-backend.ts';
import type { SecretApi } from './secret-lock.ts';
import type { SecretModel } from './secret-model.ts';

const careless = (model: SecretModel): SecretApi => ({
  readNamespacedSecret: (request) => model.readNamespacedSecret(request),
  createNamespacedSecret: (request) => model.createNamespacedSecret(request),
  replaceNamespacedSecret: (request) => {
    const metadata = { ...request.body.metadata };
    delete metadata.resourceVersion; // the bug: an unconditional replace
    return model.replaceNamespacedSecret({ ...request, body: { ...request.body, metadata } });
  },
});

export const store = secretStore(careless);
export const backend = secretBackend(careless);
