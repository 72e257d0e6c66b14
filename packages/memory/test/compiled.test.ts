import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// What users install must build and run: the test command builds every package first (`pnpm -r build`);
// this runs an election from that compiled JavaScript, without TypeScript or the repository's conditions.
it('an in-memory election runs from the compiled packages (dist/) under plain node', async () => {
  const script = join(import.meta.dirname, 'fixtures', 'compiled-election.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [script], {
    cwd: join(import.meta.dirname, '..'),
    timeout: 30_000,
  }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`compiled election failed (run pnpm -r build first): ${err.stderr ?? err.message}`);
  });
  expect(stdout).toMatch(/^started [abc]$/m);
  expect(stdout).toMatch(/^leaders 1$/m);
}, 30_000);
