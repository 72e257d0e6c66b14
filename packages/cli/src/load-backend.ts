/**
 * Loads a user's lock backend from a module: its `backend` export (or its default export), a
 * `BackendFactory`. A `.ts` module is loaded by Node's own type stripping (Node 22.18 or later).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackendFactory } from '@leasehold/testkit';
import { CliError } from './errors.ts';

/** The `backend` (or default) export of `file`, checked; a `CliError` (exit 3) says what is wrong. */
export async function loadBackend(file: string): Promise<BackendFactory> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(3, `${file}: no such file`);
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (err) {
    throw new CliError(
      3,
      `${file}: could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const backend = module.backend ?? module.default;
  if (typeof backend !== 'function')
    throw new CliError(
      3,
      `${file}: exports no \`backend\` function (a BackendFactory: (clock) => ({ lock(identity) { ... } }))`,
    );
  return (clock) => {
    const made: unknown = backend(clock);
    if (typeof made === 'object' && made !== null && 'lock' in made) {
      const { lock } = made;
      if (typeof lock === 'function') return { lock: (identity: string) => lock.call(made, identity) };
    }
    throw new CliError(3, `${file}: backend(clock) must return an object with a lock(identity) method`);
  };
}
