/**
 * The custom lock model-checked as a user would model-check theirs (docs/model-checking.md): `SecretLock`,
 * unchanged, runs in simulated clusters over `SecretModel`, an in-process model of the API server's Secrets,
 * with the simulator's faults around it. A broken variant that drops the compare-and-swap (it replaces the
 * Secret without `resourceVersion`) is caught.
 */
import type { BackendFactory } from '@leasehold/testkit';
import { checkBackend } from '@leasehold/testkit';
import { describeBackendSimulation } from '@leasehold/testkit/vitest';
import { expect, it } from 'vitest';
import { type SecretApi, SecretLock } from './secret-lock.ts';
import { SecretModel } from './secret-model.ts';

const SEED = 20261127;

function backend(api: (model: SecretModel) => SecretApi = (model) => model): BackendFactory {
  return () => {
    const model = new SecretModel();
    return { lock: (identity) => new SecretLock('simulated', 'default', identity, api(model)) };
  };
}

describeBackendSimulation('SecretLock over a model of the API server', backend(), { runs: 100, seed: SEED });

it('a SecretLock that replaces without resourceVersion (no compare-and-swap) is caught', async () => {
  const careless = backend((model) => ({
    readNamespacedSecret: (request) => model.readNamespacedSecret(request),
    createNamespacedSecret: (request) => model.createNamespacedSecret(request),
    replaceNamespacedSecret: (request) => {
      const metadata = { ...request.body.metadata };
      delete metadata.resourceVersion; // the bug: an unconditional replace
      return model.replaceNamespacedSecret({ ...request, body: { ...request.body, metadata } });
    },
  }));
  const result = await checkBackend(careless, { runs: 100, seed: SEED });
  expect(result.failure, 'the broken lock passed 100 simulated clusters').not.toBeNull();
  expect(result.failure!.violations.map((v) => v.invariant)).toContain('single-leader');
  expect(result.failure!.report).toMatch(/replay: simulate\(scenarioFromSeed\(\d+\), \{ backend \}\)/);
  console.log(`careless SecretLock caught after ${result.runs} clusters:\n${result.failure!.report}`);
}, 300_000);
