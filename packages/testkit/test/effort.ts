/**
 * How much of each statistical test to run. `./scripts/test.sh` (and CI) run every test at its full effort;
 * `pnpm test:unit`, the developer loop, sets LEASEHOLD_TEST_EFFORT=fast (package.json) and runs the same test
 * files over fewer seeds and clusters, to finish in about a minute and a half on two cores. What each test
 * runs less of in the fast tier is listed in README.md ("Which to run when"); each reduced count was chosen so the test's
 * failure-finding assertions still fail on the broken variants they name.
 */

/** The tier this run is in: `fast` in `pnpm test:unit`, `full` otherwise. */
export const EFFORT: 'fast' | 'full' = process.env.LEASEHOLD_TEST_EFFORT === 'fast' ? 'fast' : 'full';

/** `full` in the full suite, `fast` in the fast tier. */
export function effort<T>(full: T, fast: T): T {
  return EFFORT === 'fast' ? fast : full;
}
