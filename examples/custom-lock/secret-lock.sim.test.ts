/**
 * The custom lock model-checked as a user would model-check theirs (docs/model-checking.md): `SecretLock`,
 * unchanged, runs in simulated clusters over `SecretModel`, an in-process model of the API server's Secrets,
 * with the simulator's faults around it. A broken variant that drops the compare-and-swap (it replaces the
 * Secret without `resourceVersion`) is caught.
 */
import { checkBackend } from '@leasehold/testkit';
import { describeBackendSimulation } from '@leasehold/testkit/vitest';
import { expect, it } from 'vitest';
import { backend as careless } from './careless-secret-backend.ts';
import { backend } from './secret-backend.ts';

const SEED = 20261127;

describeBackendSimulation('SecretLock over a model of the API server', backend, { runs: 100, seed: SEED });

it('a SecretLock that replaces without resourceVersion (no compare-and-swap) is caught', async () => {
  const result = await checkBackend(careless, { runs: 100, seed: SEED });
  expect(result.failure, 'the broken lock passed 100 simulated clusters').not.toBeNull();
  // Its lock history is no compare-and-swap register's: the linearizability check names that in the first
  // failing cluster, often before the two leaders it leads to.
  expect(result.failure!.violations.map((v) => v.invariant)).toContain('linearizability');
  expect(result.failure!.report).toMatch(/replay: simulate\(scenarioFromSeed\(\d+\), \{ backend \}\)/);
  console.log(`careless SecretLock caught after ${result.runs} clusters:\n${result.failure!.report}`);
}, 300_000);
