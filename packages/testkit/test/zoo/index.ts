/**
 * The bug zoo: backends over one key-value store model (kv-store.ts), each the careful lock (kv-lock.ts) with
 * one realistic mistake, or one harmless oddity that must never fail. Listed here for the zoo's test
 * (zoo.test.ts) and the catch-rate table (packages/testkit/scripts/zoo-table.ts).
 */
import type { BackendFactory } from '../../src/index.ts';

/** One backend of the zoo. */
export interface ZooEntry {
  /** Its file in this directory, without `.ts`. */
  readonly name: string;
  /** `bug`: must be caught; `safe`: must never fail. */
  readonly kind: 'bug' | 'safe';
  /** What it does, in a few words (the table's row). */
  readonly what: string;
  /** Loads its backend. */
  readonly load: () => Promise<BackendFactory>;
}

const entry = (name: string, kind: ZooEntry['kind'], what: string): ZooEntry => ({
  name,
  kind,
  what,
  load: async () => ((await import(`./${name}.ts`)) as { backend: BackendFactory }).backend,
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
  entry('kv-lock', 'safe', 'the careful lock (the control)'),
  entry('safe-version-jumps', 'safe', 'versions jump by random amounts'),
  entry('safe-opaque-versions', 'safe', 'versions are opaque random tokens'),
  entry('safe-noop-keeps-version', 'safe', 'rewriting the stored record keeps its version'),
  entry('safe-slow-store', 'safe', 'every store call takes up to 40 ms'),
];
