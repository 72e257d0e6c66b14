import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// What users install must build and run: the test command builds every package first (`pnpm -r build`);
// this runs an election, and a handover, from that compiled JavaScript, without TypeScript or the repository's conditions.
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
  const [, from, to] = stdout.match(/^handover ([abc]) -> ([abc])$/m) ?? [];
  expect(to, stdout).toBeDefined();
  expect(to).not.toBe(from);
  expect(stdout).toMatch(/^leaders after handover 1$/m);
}, 30_000);
