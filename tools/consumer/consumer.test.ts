/**
 * The packages as users get them: every publishable package is packed (`pnpm pack`, which applies
 * `publishConfig`) and the tarballs are installed with plain npm into fresh projects outside the workspace,
 * one per `@kubernetes/client-node` line (2.0.1, 1.4.0, and 1.3.0, which the locks refuse), each from a
 * committed lockfile with `npm ci --ignore-scripts` (`projects.ts`). Then:
 * - a strict TypeScript consumer typechecks under `nodenext` and `bundler` (with `skipLibCheck`, as
 *   `tsc --init` sets it: client-node's own declarations need `@types/ws`, and xstate's do not check under
 *   `exactOptionalPropertyTypes`), against client-node 2 and 1.4;
 * - an in-memory election, with a handover, runs from the compiled JavaScript on Node 24, 22 and 20, Bun and
 *   Deno (`runtimes.ts` installs them from the npm registry), and CommonJS loads the packages with
 *   `require(esm)` on each Node;
 * - a Lease (and a ConfigMap) election, with a handover, runs from the packed packages against the test
 *   control plane on every runtime where the client-node line works, and the combinations that do not work
 *   are shown failing the way the README says;
 * - an unsupported client-node, and a KubeConfig from a second copy, are refused when the lock is built.
 * The README's runtime table comes from what this test runs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeconfigPath, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProject, PACKAGES, PROJECTS, type Project, packAll } from './projects.ts';
import { type RuntimeName, runtime } from './runtimes.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
let dir: string;
const project = (name: Project) => join(dir, name);

/** Runs a fixture script of `name`'s project on a runtime; resolves with its standard output. */
async function runScript(
  name: Project,
  runtimeName: RuntimeName,
  script: string,
  env: Record<string, string> = {},
): Promise<string> {
  const rt = await runtime(runtimeName, { kube: script.startsWith('kube') || script.startsWith('refused') });
  const { stdout } = await run(rt.command, [...rt.args, script], {
    cwd: project(name),
    env: { ...process.env, KUBECONFIG: kubeconfigPath(), ...env },
    timeout: 90_000,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${script} on ${rt.label} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
  });
  console.log(`consumer: ${rt.label}, ${name}, ${script}: ${stdout.trim().replace(/\n/g, '; ')}`);
  return stdout;
}

describe('the packed packages, installed with npm in fresh projects', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-consumer-'));
    const tarballs = await packAll(dir);
    const fixtures = join(import.meta.dirname, 'fixture');
    await Promise.all(
      (Object.keys(PROJECTS) as Project[]).map(async (name) => {
        const at = project(name);
        mkdirSync(at);
        await installProject(name, at, tarballs);
        for (const file of [
          'consumer.ts',
          'tsconfig.nodenext.json',
          'tsconfig.bundler.json',
          'kube-election.mjs',
          'refused-lock.mjs',
          'require-esm.cjs',
          'memory-backend.mjs',
        ])
          copyFileSync(join(fixtures, file), join(at, file));
        copyFileSync(
          join(root, 'packages', 'memory', 'test', 'fixtures', 'compiled-election.mjs'),
          join(at, 'memory-election.mjs'),
        );
      }),
    );
  }, 600_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hold dist/, README and LICENSE, and publish no repository-internal export condition', () => {
    for (const name of PACKAGES) {
      const installed = join(project('client-node-2'), 'node_modules', '@leasehold', name);
      const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(JSON.stringify(pkg.exports), name).not.toContain('source');
      expect(pkg.engines?.node, name).toMatch(/^>=\d/);
      expect(pkg.sideEffects, name).toBe(false);
      for (const file of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE'])
        expect(existsSync(join(installed, file)), `${name}/${file}`).toBe(true);
    }
  });

  it.each([
    ['client-node-2', 'nodenext'],
    ['client-node-2', 'bundler'],
    ['client-node-1.4', 'nodenext'],
  ] as const)(
    'a strict TypeScript consumer typechecks (%s, moduleResolution %s)',
    async (name, mode) => {
      const tsc = join(project(name), 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], {
        cwd: project(name),
        timeout: 120_000,
      }).catch((err: { stdout?: string; message: string }) => {
        throw new Error(`tsc (${name}, ${mode}) failed:\n${err.stdout ?? err.message}`);
      });
    },
    120_000,
  );

  it.each(['node-24', 'node-22', 'node-20', 'bun', 'deno'] as const)(
    'an in-memory election hands over, from the compiled JavaScript on %s',
    async (runtimeName) => {
      const stdout = await runScript('client-node-2', runtimeName, 'memory-election.mjs');
      expect(stdout).toMatch(/^leaders 1$/m);
      const [, from, to] = stdout.match(/^handover ([abc]) -> ([abc])$/m) ?? [];
      expect(to, stdout).toBeDefined();
      expect(to).not.toBe(from);
      expect(stdout).toMatch(/^leaders after handover 1$/m);
    },
    360_000,
  );

  it.each(['node-24', 'node-22', 'node-20'] as const)(
    'CommonJS requires the ESM-only packages (require(esm)) on %s',
    async (runtimeName) => {
      expect(await runScript('client-node-2', runtimeName, 'require-esm.cjs')).toMatch(/^started a$/m);
    },
    360_000,
  );

  it.each([
    ['client-node-2', 'node-24', 'lease'],
    ['client-node-2', 'node-24', 'configmap'],
    ['client-node-2', 'node-22', 'lease'],
    ['client-node-2', 'deno', 'lease'],
    ['client-node-1.4', 'node-24', 'lease'],
    ['client-node-1.4', 'node-22', 'lease'],
    ['client-node-1.4', 'node-20', 'lease'],
    ['client-node-1.4', 'node-20', 'configmap'],
    ['client-node-1.4', 'bun', 'lease'],
    ['client-node-1.4', 'deno', 'lease'],
  ] as const)(
    'with %s, on %s, a %s election on the control plane hands over with no error',
    async (name, runtimeName, kind) => {
      const stdout = await runScript(name, runtimeName, 'kube-election.mjs', {
        LOCK_KIND: kind,
        LOCK_NAME: uniqueName('consumer'),
      });
      expect(stdout).toMatch(/^leaders 1$/m);
      const [, from, to] = stdout.match(/^handover (pod-[ab]) -> (pod-[ab]) in \d+ ms$/m) ?? [];
      expect(to, stdout).toBeDefined();
      expect(to).not.toBe(from);
      expect(stdout).toMatch(/^errors 0$/m);
    },
    360_000,
  );

  it('the leasehold command from the packed @leasehold/cli model-checks a backend module', async () => {
    const bin = join(project('client-node-2'), 'node_modules', '.bin', 'leasehold');
    const { stdout } = await run(bin, ['check', 'memory-backend.mjs', '--runs', '20', '--seed', '3'], {
      cwd: project('client-node-2'),
      timeout: 120_000,
    });
    console.log(`consumer: leasehold check: ${stdout.trim().replace(/\n/g, '; ')}`);
    expect(stdout).toMatch(/^conformance: 11 of 11 checks passed \(with the watch check\)$/m);
    expect(stdout).toMatch(/^verdict: PASS$/m);
  }, 180_000);

  // Known not to work, and said so in the README: these keep that row of the table true.
  it('with client-node 2 on Bun, TLS to the cluster CA fails on every request, reported through onError', async () => {
    const stdout = await runScript('client-node-2', 'bun', 'kube-election.mjs', {
      LOCK_NAME: uniqueName('consumer'),
      WAIT_MS: '4000',
    });
    expect(stdout).toMatch(/^leaders 0$/m);
    expect(stdout).toMatch(/^errors [1-9]\d*: .*certificate/m);
  }, 360_000);

  it('client-node 1.3 is refused when a lock is built, naming the version and the range', async () => {
    const stdout = await runScript('client-node-1.3', 'node-24', 'refused-lock.mjs');
    expect(stdout).toMatch(
      /^UnsupportedClientNodeError: LeaseLock default\/refused: @kubernetes\/client-node 1\.3\.0 /m,
    );
    expect(stdout).toContain('^1.4.0 || ^2.0.1');
  }, 360_000);

  it('a KubeConfig from a second copy of client-node is refused when a lock is built', async () => {
    const stdout = await runScript('client-node-2', 'node-24', 'refused-lock.mjs', {
      CLIENT_NODE: 'client-node-other',
    });
    expect(stdout).toMatch(/^UnsupportedClientNodeError: .*client-node this package uses \(2\.0\.1 at /m);
    expect(stdout).toContain('another copy');
    // The same program with the one installed copy builds its lock.
    expect(await runScript('client-node-2', 'node-24', 'refused-lock.mjs')).toMatch(/^built$/m);
  }, 360_000);
});
