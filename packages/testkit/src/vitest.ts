/**
 * `@leasehold/testkit/vitest`: the kit as vitest tests, for your own test files. Separate from the main
 * entry so that the simulator, the checker and the conformance checks run without vitest (the `leasehold`
 * CLI, other runners); vitest is an optional peer dependency, needed only here.
 *
 * @packageDocumentation
 */
import { describe, it } from 'vitest';

export type { BackendFactory, SimulatedBackend } from './cluster.ts';
export type { ConformanceOptions, LockFixture, LockFixtureFactory } from './conformance.ts';
export type { BackendCheckOptions } from './property.ts';
export type { FaultKind, FaultKnobs, ScenarioOverrides, ScenarioTiming, Variant } from './scenario.ts';

import type { BackendFactory } from './cluster.ts';
import { type ConformanceOptions, checksFor, type LockFixtureFactory } from './conformance.ts';
import { type BackendCheckOptions, checkBackend } from './property.ts';

/**
 * Registers the suite with vitest. `options.malformed` says whether the backend can store an unparseable
 * value (then the fixture must implement `corrupt`); Kubernetes Leases cannot (the API server validates
 * them), ConfigMap annotations and most custom stores can. `options.watch` adds the watch check for a lock
 * whose watch reports health.
 */
export function describeLockConformance(
  name: string,
  makeFixture: LockFixtureFactory,
  options: ConformanceOptions & { timeoutMs?: number } = { malformed: true },
): void {
  const checks = checksFor(options);
  describe(`Lock conformance: ${name}`, () => {
    for (const check of checks) {
      it(
        check.name,
        async () => {
          const fixture = await makeFixture();
          try {
            await check.run(fixture);
          } finally {
            await fixture.cleanup?.();
          }
        },
        options.timeoutMs ?? 30_000,
      );
    }
  });
}

/**
 * A vitest test that model-checks `backend`: it fails with the first broken guarantee, the scenario, and
 * the call that replays it.
 */
export function describeBackendSimulation(
  name: string,
  backend: BackendFactory,
  options: BackendCheckOptions & { readonly timeoutMs?: number } = {},
): void {
  it(
    `${name}: simulated clusters keep every guarantee (${options.runs ?? 100} runs)`,
    async () => {
      const result = await checkBackend(backend, options);
      if (result.failure) throw new Error(`${result.failure.report}\n  sequence seed: ${result.seed}`);
    },
    options.timeoutMs ?? 300_000,
  );
}
