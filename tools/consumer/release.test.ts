/**
 * The release, as a dry run: `scripts/release.sh --dry-run` shows the pending changesets, applies the version
 * step to a scratch copy (new versions and CHANGELOG entries), builds, and runs `pnpm publish -r --dry-run`.
 * This checks that it would publish the eight packages and nothing else, with the files users need, and that
 * it changed nothing in the repository.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const PACKAGES = ['core', 'memory', 'testkit', 'lease', 'configmap', 'metrics', 'nestjs', 'cli'] as const;
const version = (name: string) =>
  JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')).version as string;
const gitStatus = async () =>
  (await promisify(execFile)('git', ['status', '--porcelain'], { cwd: root, timeout: 30_000 })).stdout;

it('the release dry run would publish every published package, with dist, README, LICENSE and CHANGELOG', async () => {
  const before = await gitStatus();
  const { stdout } = await promisify(execFile)('bash', ['scripts/release.sh', '--dry-run'], {
    cwd: root,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`release dry run failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  });
  // Exactly the eight, at the versions in the tree; the private workspace projects are not published.
  const wouldPublish = stdout.slice(stdout.indexOf('== would publish')).trim().split('\n').slice(1);
  expect(wouldPublish.sort()).toEqual(PACKAGES.map((name) => `@leasehold/${name}@${version(name)}`).sort());

  // Each tarball, as npm lists it: the built entry points and the documents, no tests.
  const tarballs = stdout.split('📦').slice(1);
  expect(tarballs).toHaveLength(PACKAGES.length);
  for (const tarball of tarballs) {
    const name = tarball.match(/@leasehold\/[a-z]+/)?.[0];
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'CHANGELOG.md'])
      expect(tarball, `${name} ${file}`).toMatch(new RegExp(`npm notice [\\d.]+k?B ${file}\\n`));
    expect(tarball, `${name} tests`).not.toMatch(/ test\//);
  }

  // The version step: with changesets pending, every package gets a higher version and a CHANGELOG entry.
  const pending = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  for (const name of PACKAGES) {
    const [, from, to] = stdout.match(new RegExp(`^-- @leasehold/${name} (\\S+) -> (\\S+)$`, 'm')) ?? [];
    expect(from, name).toBe(version(name));
    if (pending.length > 0) {
      expect(to, name).not.toBe(from);
      expect(stdout).toContain(`-- @leasehold/${name} ${from} -> ${to}\n## ${to}\n`);
    } else expect(to, name).toBe(from);
  }
  console.log(
    `release dry run: ${pending.length} pending changesets; would publish ${wouldPublish.join(', ')}`,
  );

  // Nothing here changed: the version step ran on a scratch copy, the summary file was moved away.
  expect(await gitStatus()).toBe(before);
  expect(existsSync(join(root, 'pnpm-publish-summary.json'))).toBe(false);
}, 300_000);
