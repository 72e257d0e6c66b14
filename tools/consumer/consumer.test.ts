/**
 * The packages as users get them: every publishable package is packed (`pnpm pack`, which applies
 * `publishConfig`) and the tarballs are installed with plain npm into fresh projects outside the workspace,
 * one per `@kubernetes/client-node` line (2.0.1, 1.4.0, and 1.3.0, which the locks refuse), each from a
 * committed lockfile with `npm ci --ignore-scripts` (`projects.ts`). Then:
 * - strict TypeScript consumers (one per package combination) typecheck under `nodenext` and `bundler`
 *   without `skipLibCheck` (the locks declare `@types/ws`, which client-node's declarations need; XState's
 *   declarations, which do not check under `exactOptionalPropertyTypes`, stay behind core's statechart
 *   entry), against client-node 2 and 1.4, and at the lowest xstate and fast-check the ranges allow;
 * - the README's quick start, the complete Lease program read from the README as users copy it, typechecks
 *   the same way (`nodenext`, client-node 2 and 1.4);
 * - an in-memory election, with a handover, runs from the compiled JavaScript on Node 24, 22 and 20, Bun and
 *   Deno (`runtimes.ts` installs them from the npm registry), and CommonJS loads the packages with
 *   `require(esm)` on each Node;
 * - a Lease (and a ConfigMap) election, with a handover, runs from the packed packages against the test
 *   control plane on every runtime where the client-node line works, and the combinations that do not work
 *   are shown failing the way the README says;
 * - an unsupported client-node, and a KubeConfig from a second copy, are refused when the lock is built;
 *   client-node 2 on Node 20 when the lock package is imported, and by the CLI's status and watch.
 * The README's runtime table comes from what this test runs.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeconfigPath, uniqueName } from '@leasehold/kube-tools/testing.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedQuickStart } from './documented.ts';
import { installProject, lowestAllowed, PACKAGES, PROJECTS, type Project, packAll } from './projects.ts';
import { KUBE_CELLS, MEMORY_RUNTIMES, type RuntimeName, runtime } from './runtimes.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
let dir: string;
const project = (name: Project) => join(dir, name);

/** The strict consumers, one fixture each (fixture/consumer-<combo>.ts). */
const COMBOS = ['memory', 'lease', 'configmap', 'metrics', 'testkit', 'cli'] as const;
/** Every combination under both module resolutions with client-node 2; the locks with 1.4; all at the lowest. */
const STRICT_MATRIX = [
  ...COMBOS.flatMap((combo) =>
    (['nodenext', 'bundler'] as const).map((mode) => [combo, 'client-node-2', mode] as const),
  ),
  ...(['lease', 'configmap'] as const).map((combo) => [combo, 'client-node-1.4', 'nodenext'] as const),
  ...COMBOS.map((combo) => [combo, 'lowest-deps', 'nodenext'] as const),
  // The README's quick start (documentedQuickStart), a Node program: nodenext, with both client-node lines.
  ...(['client-node-2', 'client-node-1.4'] as const).map(
    (name) => ['readme-quickstart', name, 'nodenext'] as const,
  ),
];

/** Runs a fixture script of `name`'s project on a runtime; resolves with its standard output. */
async function runScript(
  name: Project,
  runtimeName: RuntimeName,
  script: string,
  env: Record<string, string> = {},
): Promise<string> {
  const rt = await runtime(runtimeName, {
    kube: script.startsWith('kube') || script.startsWith('refused') || script.startsWith('import'),
  });
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
          ...COMBOS.map((combo) => `consumer-${combo}.ts`),
          'tsconfig.nodenext.json',
          'tsconfig.bundler.json',
          'kube-election.mjs',
          'refused-lock.mjs',
          'import-lock.mjs',
          'require-esm.cjs',
          'memory-backend.mjs',
        ])
          copyFileSync(join(fixtures, file), join(at, file));
        copyFileSync(
          join(root, 'packages', 'memory', 'test', 'fixtures', 'compiled-election.mjs'),
          join(at, 'memory-election.mjs'),
        );
        writeFileSync(join(at, 'consumer-readme-quickstart.ts'), documentedQuickStart());
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

  it('no consumer fixture turns skipLibCheck on', () => {
    const fixtures = join(import.meta.dirname, 'fixture');
    for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.json')))
      expect(readFileSync(join(fixtures, file), 'utf8'), file).not.toMatch(/skipLibCheck/);
  });

  it.each(STRICT_MATRIX)(
    'a strict TypeScript consumer of %s typechecks without skipLibCheck (%s, moduleResolution %s)',
    async (combo, name, mode) => {
      // One fixture file per combination, alone in its program: one package's declarations cannot hide
      // another's (each pulls in what it imports, XState included if it leaked).
      const config = `tsconfig.${combo}.${mode}.json`;
      writeFileSync(
        join(project(name), config),
        JSON.stringify({ extends: `./tsconfig.${mode}.json`, files: [`consumer-${combo}.ts`] }),
      );
      const tsc = join(project(name), 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', config], { cwd: project(name), timeout: 300_000 }).catch(
        (err: { stdout?: string; message: string }) => {
          throw new Error(`tsc (${combo}, ${name}, ${mode}) failed:\n${err.stdout ?? err.message}`);
        },
      );
    },
    300_000,
  );

  it('the lowest-deps project runs the lowest xstate and fast-check the ranges allow', () => {
    const version = (name: Project, pkg: string) =>
      JSON.parse(readFileSync(join(project(name), 'node_modules', pkg, 'package.json'), 'utf8')).version;
    expect(version('lowest-deps', 'xstate')).toBe(lowestAllowed('core', 'xstate'));
    expect(version('lowest-deps', 'fast-check')).toBe(lowestAllowed('testkit', 'fast-check'));
    console.log(
      `consumer: xstate ${version('lowest-deps', 'xstate')} and ${version('client-node-2', 'xstate')}, ` +
        `fast-check ${version('lowest-deps', 'fast-check')} and ${version('client-node-2', 'fast-check')}`,
    );
  });

  it.each([
    ...MEMORY_RUNTIMES.map((runtimeName) => ['client-node-2', runtimeName] as const),
    ['lowest-deps', 'node-24'] as const,
  ])(
    'an in-memory election hands over (%s), from the compiled JavaScript on %s',
    async (name, runtimeName) => {
      const stdout = await runScript(name, runtimeName, 'memory-election.mjs');
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

  it.each(KUBE_CELLS.filter((cell) => cell.works).map((c) => [c.project, c.runtime, c.kind] as const))(
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

  it.each(['client-node-2', 'lowest-deps'] as const)(
    'the leasehold command from the packed @leasehold/cli model-checks a backend module (%s)',
    async (name) => {
      const bin = join(project(name), 'node_modules', '.bin', 'leasehold');
      const { stdout } = await run(bin, ['check', 'memory-backend.mjs', '--runs', '20', '--seed', '3'], {
        cwd: project(name),
        timeout: 120_000,
      });
      console.log(`consumer: leasehold check: ${stdout.trim().replace(/\n/g, '; ')}`);
      expect(stdout).toMatch(/^conformance: 11 of 11 checks passed \(with the watch check\)$/m);
      expect(stdout).toMatch(/^verdict: PASS$/m);
    },
    180_000,
  );

  // Known not to work, and said so in the README: these keep those cells of the table true.
  it('the cells of the runtime table shown failing are the ones run below', () => {
    expect(KUBE_CELLS.filter((cell) => !cell.works)).toEqual([
      { project: 'client-node-2', runtime: 'node-20', kind: 'lease', works: false },
      { project: 'client-node-2', runtime: 'node-20', kind: 'configmap', works: false },
      { project: 'client-node-2', runtime: 'bun', kind: 'lease', works: false },
    ]);
  });

  // npm installs client-node 2 on Node 20 (undici 8's engines only warn), where evaluating undici dies with
  // "TypeError: Cannot read properties of undefined (reading 'bind')": the lock packages refuse it by name
  // first, when imported before client-node (as their READMEs show), saying what to install.
  it.each(['lease', 'configmap'] as const)(
    'with client-node 2 on Node 20, importing @leasehold/%s throws UnsupportedClientNodeError naming both versions',
    async (kind) => {
      const stdout = await runScript('client-node-2', 'node-20', 'import-lock.mjs', {
        LOCK_PACKAGE: `@leasehold/${kind}`,
      });
      expect(stdout).toMatch(
        /^UnsupportedClientNodeError: @leasehold\/lease: @kubernetes\/client-node 2\.0\.1 \(at \/.*\/node_modules\/@kubernetes\/client-node\/package\.json\) cannot run on Node 20\.20\.2: client-node 2 needs Node >= 22\.19 \(its undici 8\); install @kubernetes\/client-node@\^1\.4 or use Node >= 22\.19$/m,
      );
      expect(stdout).not.toContain('TypeError');
      // The same program on Node 22.23 imports it.
      expect(
        await runScript('client-node-2', 'node-22', 'import-lock.mjs', {
          LOCK_PACKAGE: `@leasehold/${kind}`,
        }),
      ).toMatch(/^imported$/m);
    },
    360_000,
  );

  it('the leasehold command on Node 20: status and watch say they need Node >= 22.19, exit code 3', async () => {
    const node20 = await runtime('node-20');
    const main = join(project('client-node-2'), 'node_modules', '@leasehold', 'cli', 'dist', 'main.js');
    for (const command of ['status', 'watch']) {
      const result = await run(node20.command, [main, command, 'my-app'], {
        cwd: project('client-node-2'),
        env: { ...process.env, KUBECONFIG: kubeconfigPath() },
        timeout: 90_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
      );
      expect(result.stderr).toBe(
        `leasehold: ${command} needs Node >= 22.19, and this is Node 20.20.2: it runs on ` +
          '@kubernetes/client-node 2, whose undici 8 needs Node >= 22.19; run it with Node >= 22.19\n',
      );
      expect(result.code).toBe(3);
    }
  }, 360_000);

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
