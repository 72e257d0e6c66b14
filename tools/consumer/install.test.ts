/**
 * The README's install-from-tarballs commands, run as written (read from the README by `documented.ts`):
 * the pack command in the repository, then each `npm install` line in a fresh project of its own, with
 * `$LEASEHOLD` the repository's path. Each line must install with nothing else (a tarball whose `@leasehold`
 * dependency the line does not list would be looked up on the registry, where it is not yet, and fail the
 * install), every package it names must load, and the line with the CLI must give a working `leasehold`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedInstall, root } from './documented.ts';
import { PUBLISHED } from './projects.ts';

const run = promisify(execFile);
const documented = documentedInstall();
let dir: string;

describe("the README's install-from-tarballs commands, run as written", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-install-'));
    await run('bash', ['-c', documented.pack], { cwd: root, timeout: 600_000 });
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the pack command writes one tarball per published package, at its version', () => {
    const tarballs = readdirSync(join(root, documented.packs)).filter((f) => f.endsWith('.tgz'));
    const expected = PUBLISHED.map((name) => {
      const { version } = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
      return `leasehold-${name}-${version}.tgz`;
    });
    expect(tarballs.sort()).toEqual(expected.sort());
  });

  it.each(documented.installs.map((line, i) => [i, line] as const))(
    'install line %i installs alone and its packages load: %s',
    async (i, line) => {
      const at = join(dir, `app-${i}`);
      mkdirSync(at);
      writeFileSync(
        join(at, 'package.json'),
        JSON.stringify({ name: `app-${i}`, private: true, type: 'module' }),
      );
      await run('bash', ['-c', line], {
        cwd: at,
        env: { ...process.env, LEASEHOLD: root },
        timeout: 300_000,
      }).catch((err: { stderr?: string; message: string }) => {
        throw new Error(`${line} failed:\n${err.stderr ?? err.message}`);
      });
      const { stdout: expanded } = await run('bash', ['-c', `echo ${line}`], { env: { LEASEHOLD: root } });
      const named = [...expanded.matchAll(/leasehold-([a-z]+)-\d[^/\s]*\.tgz/g)].map((m) => m[1] as string);
      expect(named.length, line).toBeGreaterThan(0);
      const installed = readdirSync(join(at, 'node_modules', '@leasehold')).sort();
      // Exactly the named packages: none fetched from elsewhere, none missing.
      expect(installed, line).toEqual([...named].sort());
      for (const name of named.filter((n) => n !== 'cli')) {
        const { stdout } = await run(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `console.log(Object.keys(await import('@leasehold/${name}')).length)`,
          ],
          { cwd: at, timeout: 60_000 },
        );
        expect(Number(stdout), `@leasehold/${name} exports`).toBeGreaterThan(0);
      }
      if (named.includes('cli')) {
        const { stdout } = await run(join(at, 'node_modules', '.bin', 'leasehold'), ['--help'], {
          cwd: at,
          timeout: 60_000,
        });
        expect(stdout).toMatch(/^usage:$/m);
      }
      console.log(`install: ${line}: ${installed.join(', ')}`);
    },
    300_000,
  );
});
