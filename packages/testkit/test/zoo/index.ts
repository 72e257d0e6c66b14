/**
 * The bug zoo: backends over one key-value store model (kv-store.ts), each the careful lock (kv-lock.ts) with
 * one realistic mistake, or one harmless oddity that must never fail. Listed here for the zoo's test
 * (zoo.test.ts) and the catch-rate table (packages/testkit/scripts/zoo-table.ts).
 */
import type { BackendFactory, StoreBackend } from '../../src/index.ts';

/** One backend of the zoo. */
export interface ZooEntry {
  /** Its file in this directory, without `.ts`. */
  readonly name: string;
  /** `bug`: must be caught; `safe`: must never fail. */
  readonly kind: 'bug' | 'safe';
  /** The verdict a safe backend gets: `PASS`, or `WARN` for a deviation the election tolerates. */
  readonly expect?: 'PASS' | 'WARN';
  /** What it does, in a few words (the table's row). */
  readonly what: string;
  /** Loads its backend: the store form, which `leasehold check` puts behind faults inside the lock. */
  readonly load: () => Promise<StoreBackend | BackendFactory>;
}

const entry = (
  name: string,
  kind: ZooEntry['kind'],
  what: string,
  expect: ZooEntry['expect'] = kind === 'safe' ? 'PASS' : undefined,
): ZooEntry => ({
  name,
  kind,
  what,
  ...(expect ? { expect } : {}),
  load: async () => ((await import(`./${name}.ts`)) as { store: StoreBackend }).store,
});

export const zoo: readonly ZooEntry[] = [
  entry('holder-condition', 'bug', 'update conditioned on the holder read, not the version'),
  entry('expired-is-free', 'bug', 'an expired record is written whatever the expected version'),
  entry('retry-on-conflict', 'bug', 'a failed compare-and-swap retried on the version now stored'),
  entry('retry-after-timeout', 'bug', 'a timed-out put retried on the version now stored'),
  entry('create-overwrites', 'bug', 'create is a plain put'),
  entry('torn-read', 'bug', "get pairs one read's record with a second read's version"),
  entry('version-not-bumped', 'bug', 'renewals rewrite the item under the same version'),
  entry('stale-cache', 'bug', "get answers from a cache only the handle's own calls refresh"),
  entry(
    'timeout-as-not-found',
    'bug',
    'a store timeout on update reported as NotFound (the put had applied)',
  ),
  entry(
    'error-as-conflict',
    'bug',
    'every store error reported as Conflict, timeouts after the write included',
  ),
  entry('swallowed-failure', 'bug', 'a failed write answers the snapshot last read, as success'),
  entry(
    'retry-repeats-write',
    'bug',
    'a timed-out conditional put retried as is: Conflict for a write that stands',
  ),
  entry('kv-lock', 'safe', 'the careful lock (the control)'),
  entry('safe-version-jumps', 'safe', 'versions jump by random amounts'),
  entry('safe-opaque-versions', 'safe', 'versions are opaque random tokens'),
  entry('safe-noop-keeps-version', 'safe', 'rewriting the stored record keeps its version'),
  entry('safe-slow-store', 'safe', 'every store call takes up to 40 ms'),
  entry('safe-stale-on-error', 'safe', 'a failed read answers the item read up to 250 ms before', 'WARN'),
];
