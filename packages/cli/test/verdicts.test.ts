/**
 * `leasehold check`'s verdicts and their exit codes, run as a process as a user runs it (no cluster needed:
 * the backends are models): the repository's own Secret lock (examples/custom-lock) PASSes (0) at the
 * default effort (10 clusters in the fast tier, packages/testkit/test/effort.ts), its careless variant FAILs (1) naming linearizability, a safe-but-unusual backend of the
 * bug zoo (reads served stale, within 250 ms, when the store fails) gets WARN (4) with its cost; bad usage
 * is 2 and a module that cannot be loaded 3 (docs/model-checking.md).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effort } from '../../testkit/test/effort.ts';
import { VERDICT_EXIT_CODES } from '../src/check.ts';
import { leaseholdCommand } from './run.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const example = (file: string) => join(root, 'examples', 'custom-lock', file);
const zoo = (file: string) => join(root, 'packages', 'testkit', 'test', 'zoo', file);
/** A check at the default effort takes a minute or two on a loaded 2-core machine. */
const TIMEOUT_MS = 400_000;
const check = (args: readonly string[]) => leaseholdCommand(['check', ...args], { timeoutMs: TIMEOUT_MS });
/** Simulated clusters of the PASS and WARN checks: the default 100 in the full suite, 10 in the fast tier. */
const CLUSTERS = effort(100, 10);
const clusters = effort<string[]>([], ['--runs', String(CLUSTERS)]);

describe('leasehold check: verdicts and exit codes', () => {
  it('documents one exit code per verdict: PASS 0, FAIL 1, UNKNOWN 1, WARN 4', () => {
    expect(VERDICT_EXIT_CODES).toEqual({ PASS: 0, FAIL: 1, UNKNOWN: 1, WARN: 4 });
  });

  it(
    `PASS, exit 0: the Secret lock over its model, faults inside the lock on, ${CLUSTERS} clusters`,
    async () => {
      const result = await check([example('secret-backend.ts'), '--seed', '1', ...clusters]);
      console.log(`leasehold check secret-backend.ts:\n${result.stdout}${result.stderr}`);
      expect(result.stdout).toMatch(/^faults inside the lock: on /m);
      expect(result.stdout).toMatch(/^conformance: 10 of 10 checks passed$/m);
      expect(result.stdout).toMatch(/^linearizability: 10 concurrent workloads, 10 linearizable,/m);
      expect(result.stdout).toMatch(new RegExp(`^simulation: ${CLUSTERS} clusters, 0 violations `, 'm'));
      expect(result.stdout).toMatch(/^verdict: PASS$/m);
      expect(result.code).toBe(0);
    },
    TIMEOUT_MS,
  );

  it(
    'FAIL, exit 1: the careless Secret lock (replace without resourceVersion), naming linearizability',
    async () => {
      const result = await check([example('careless-secret-backend.ts'), '--seed', '1']);
      console.log(`leasehold check careless-secret-backend.ts:\n${result.stdout}`);
      expect(result.stdout).toMatch(
        /^linearizability: concurrent workload \d+ \(seed \d+\) is not linearizable:$/m,
      );
      expect(result.stdout).toMatch(/^ {2}linearizability at [\d.]+s: no compare-and-swap register answers/m);
      expect(result.stdout).toMatch(/^verdict: FAIL$/m);
      expect(result.code).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    'WARN, exit 4: reads served stale on a store error, with the cost named',
    async () => {
      const result = await check([zoo('safe-stale-on-error.ts'), '--seed', '1', ...clusters]);
      console.log(`leasehold check safe-stale-on-error.ts:\n${result.stdout}`);
      expect(result.stdout).toMatch(/^conformance: 10 of 10 checks passed$/m);
      expect(result.stdout).toMatch(/ 0 violations /);
      expect(result.stdout).toMatch(/^ {2}WARN stale reads: .* Cost: /m);
      expect(result.stdout).toMatch(/^verdict: WARN$/m);
      expect(result.code).toBe(4);
    },
    TIMEOUT_MS,
  );

  it(
    'the same backend without faults inside the lock (--no-store-faults) never reads stale: PASS, exit 0',
    async () => {
      const result = await check([
        zoo('safe-stale-on-error.ts'),
        '--seed',
        '1',
        '--runs',
        '20',
        '--no-store-faults',
      ]);
      expect(result.stdout).toMatch(/^faults inside the lock: off /m);
      expect(result.stdout).toMatch(/^verdict: PASS$/m);
      expect(result.code).toBe(0);
    },
    TIMEOUT_MS,
  );

  it(
    'bad usage is exit 2; a module that cannot be loaded is exit 3',
    async () => {
      const usage = await check([]);
      expect(usage.stderr).toMatch(/expected MODULE/);
      expect(usage.code).toBe(2);
      const missing = await check([join(root, 'nowhere.ts')]);
      expect(missing.stderr).toMatch(/no such file/);
      expect(missing.code).toBe(3);
    },
    TIMEOUT_MS,
  );
});
