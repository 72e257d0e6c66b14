/**
 * The interop peers as candidate commands. `interopPeers()` runs build.sh, which builds them once into the
 * cache and afterwards only checks that they are there (scripts/test.sh builds them before the tests, so a
 * cold build never runs inside a test hook). A peer that cannot be built fails the test run; it never skips.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type CandidateCommand, LEASEHOLD_CANDIDATE } from '@leasehold/kube-tools/processes.ts';

export type Impl = 'leasehold' | 'client-go' | 'kubernetes_asyncio';

export function interopPeers(): Record<Impl, CandidateCommand> {
  const output = execFileSync('bash', [join(import.meta.dirname, 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const paths = Object.fromEntries(
    output
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );
  if (!paths.CLIENT_GO || !paths.PYTHON)
    throw new Error(`tools/interop/build.sh printed no peer paths: ${output}`);
  return {
    leasehold: LEASEHOLD_CANDIDATE,
    'client-go': { file: paths.CLIENT_GO, args: [], impl: 'client-go' },
    kubernetes_asyncio: {
      file: paths.PYTHON,
      args: ['-u', join(import.meta.dirname, 'python', 'elector.py')],
      impl: 'kubernetes_asyncio',
    },
  };
}
