/**
 * Loads a user's lock backend from a module: its `store` export (a `StoreBackend`: the lock offered with its
 * store, so that faults reach inside the lock) if it has one, else its `backend` export (or its default
 * export), a `BackendFactory`. A `.ts` module is loaded by Node's own type stripping (Node 22.18 or later).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BackendFactory, isStoreBackend, type StoreBackend, storeBackend } from '@leasehold/testkit';
import { CliError } from './errors.ts';

/**
 * What `file` offers, checked: its `store` (unless `useStore` is false and it also exports a `backend`), or
 * its `backend`. A `CliError` (exit 3) says what is wrong.
 */
export async function loadBackendModule(
  file: string,
  useStore = true,
): Promise<StoreBackend | BackendFactory> {
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
  if (module.store !== undefined && (useStore || typeof backend !== 'function')) {
    if (!isStoreBackend(module.store))
      throw new CliError(
        3,
        `${file}: its \`store\` export is not a StoreBackend ({ createStore(clock), createLock(store, identity, clock), storeError(kind, call) })`,
      );
    return module.store;
  }
  if (typeof backend !== 'function')
    throw new CliError(
      3,
      `${file}: exports no \`backend\` function (a BackendFactory: (clock) => ({ lock(identity) { ... } })) and no \`store\``,
    );
  return (clock, run) => {
    const made: unknown = backend(clock, run);
    if (typeof made === 'object' && made !== null && 'lock' in made) {
      const { lock } = made;
      if (typeof lock === 'function') return { lock: (identity: string) => lock.call(made, identity) };
    }
    throw new CliError(3, `${file}: backend(clock) must return an object with a lock(identity) method`);
  };
}

/** The `BackendFactory` of `file`: its `store` behind the default faults inside the lock, or its `backend`. */
export async function loadBackend(file: string, useStore = true): Promise<BackendFactory> {
  const loaded = await loadBackendModule(file, useStore);
  return isStoreBackend(loaded) ? storeBackend(loaded) : loaded;
}
