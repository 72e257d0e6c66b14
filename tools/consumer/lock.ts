/**
 * Writes the consumer projects' lockfiles (fixture/locks/) again: packs the packages, resolves each project
 * from the registry (`npm install --package-lock-only`, nothing installed or run) and keeps the result.
 * Run after a dependency or a package version changes: `node tools/consumer/lock.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockfile, lockProject, PROJECTS, type Project, packAll } from './projects.ts';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-lock-'));
try {
  const tarballs = await packAll(dir);
  for (const name of Object.keys(PROJECTS) as Project[]) {
    const at = join(dir, name);
    mkdirSync(at);
    await lockProject(name, at, tarballs);
    console.log(`wrote ${lockfile(name)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
