/**
 * The lock template a user copies (packages/testkit/templates/, docs/model-checking.md "Writing a lock"):
 * it passes what `leasehold check` runs (conformance, concurrent workloads judged for linearizability,
 * simulated clusters), the malformed-record check too, the command itself says PASS on it, and the
 * package's tarball carries it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { leaseholdCommand } from '../../cli/test/run.ts';
import { checksFor, malformedCheck, runLockConformance, verifyBackend } from '../src/index.ts';
import { backend, KEY, ModelStore } from '../templates/kv-backend.ts';
import { KvLock } from '../templates/kv-lock.ts';
import { effort } from './effort.ts';

const packageDir = join(import.meta.dirname, '..');
const TEMPLATES = ['templates/kv-lock.ts', 'templates/kv-backend.ts'];
/**
 * Fewer clusters than `leasehold check`'s default 100, as the zoo's safe backends run (about 20 s per 100):
 * 30 in the full suite, 10 in the fast tier.
 */
const RUNS = effort(30, 10);

describe('the lock template', () => {
  it('passes verifyBackend: conformance, linearizable workloads, every simulated cluster', async () => {
    const v = await verifyBackend(backend, { seed: 1, runs: RUNS });
    expect(v.conformance.failures).toEqual([]);
    expect(v.conformance.checks).toBeGreaterThan(0);
    expect(v.workloads.violation?.result ?? null).toBeNull();
    expect(v.workloads.linearizable).toBe(v.workloads.runs);
    expect(v.simulation.failure?.report ?? null).toBeNull();
    expect(v.simulation.runs).toBe(RUNS);
    expect(v.simulation.histories.linearizable).toBe(RUNS);
    expect(v.verdict).toBe('PASS');
  }, 300_000);

  it('reports a stored value that is not a record as Malformed (the conformance malformed check)', async () => {
    const options = { malformed: true };
    expect(checksFor(options)).toContain(malformedCheck);
    const failures = await runLockConformance(() => {
      const store = new ModelStore();
      return {
        lock: (identity) => new KvLock(store, KEY, identity),
        corrupt: async () => store.plant(KEY, '{"holderIdentity": 42'),
      };
    }, options);
    expect(failures).toEqual([]);
    // A record that parses but that nobody can follow (a holder and no lease duration) is Malformed too.
    const store = new ModelStore();
    store.plant(KEY, '{"holderIdentity":"a","leaseDurationSeconds":0}');
    await expect(new KvLock(store, KEY, 'b').get()).rejects.toMatchObject({
      name: 'LockError',
      kind: 'Malformed',
    });
  });

  it('`leasehold check` on it says PASS', async () => {
    const run = await leaseholdCommand(
      ['check', join(packageDir, 'templates', 'kv-backend.ts'), '--runs', '5', '--seed', '1'],
      { timeoutMs: 240_000 },
    );
    expect(run.stdout, run.stderr).toMatch(/^verdict: PASS$/m);
    expect(run.code).toBe(0);
  }, 300_000);

  it('ships in the tarball (npm pack --dry-run)', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: packageDir,
      timeout: 120_000,
    });
    const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
    const paths = (pack?.files ?? []).map((f) => f.path);
    for (const file of TEMPLATES) expect(paths).toContain(file);
  }, 180_000);
});
