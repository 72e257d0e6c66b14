/**
 * A broken variant of the Secret lock, for showing that model-checking catches it: every replace drops
 * `resourceVersion`, so it overwrites whatever is there (no compare-and-swap).
 *
 *   leasehold check examples/custom-lock/careless-secret-backend.ts   # FAIL, with a replay command
 */
import { secretBackend } from './secret-backend.ts';

export const backend = secretBackend((model) => ({
  readNamespacedSecret: (request) => model.readNamespacedSecret(request),
  createNamespacedSecret: (request) => model.createNamespacedSecret(request),
  replaceNamespacedSecret: (request) => {
    const metadata = { ...request.body.metadata };
    delete metadata.resourceVersion; // the bug: an unconditional replace
    return model.replaceNamespacedSecret({ ...request, body: { ...request.body, metadata } });
  },
}));
