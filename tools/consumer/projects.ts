/**
 * The fresh npm projects the consumer test installs the packed packages into, one per `@kubernetes/client-node`
 * line, and how they are installed: from a committed lockfile (`fixture/locks/<project>.json`) with
 * `npm ci --ignore-scripts`, so npm checks every package it downloads against the integrity pinned there
 * and runs no install script (none of the locked packages has one today: `hasInstallScript` appears in no
 * lockfile). The packed tarballs are built by the test itself, so their lock entries carry no integrity. `node tools/consumer/lock.ts` writes the lockfiles
 * again after a dependency or a package version changes.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { documentedInstall } from './documented.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

export const PACKAGES = ['core', 'memory', 'testkit', 'lease', 'configmap', 'metrics', 'cli'] as const;
/**
 * Every published package, as the pack command writes them: PACKAGES and the NestJS module, which the consumer
 * projects do not install (it needs a Nest application: its own tests and examples/nestjs cover it).
 */
export const PUBLISHED = [...PACKAGES, 'nestjs'] as const;
/** The lowest version a caret range in a package's dependencies allows (`^5.19.0` -> `5.19.0`). */
export function lowestAllowed(pkg: string, dependency: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
  const range: string = manifest.dependencies[dependency];
  const floor = range.match(/^\^(\d+\.\d+\.\d+)$/)?.[1];
  if (floor === undefined) throw new Error(`${pkg}: ${dependency} ${range} is not a caret range`);
  return floor;
}

/**
 * One project per client-node line; `legacyPeerDeps` where npm would refuse the peer range (on purpose).
 * `lowest-deps` pins xstate and fast-check to the lowest versions the packages' caret ranges allow (npm
 * `overrides`); the other projects get what their lockfiles resolved, the newest allowed when written.
 */
export const PROJECTS = {
  'client-node-2': { clientNode: '2.0.1', legacyPeerDeps: false, lowest: false },
  'client-node-1.4': { clientNode: '1.4.0', legacyPeerDeps: false, lowest: false },
  'client-node-1.3': { clientNode: '1.3.0', legacyPeerDeps: true, lowest: false },
  'lowest-deps': { clientNode: '2.0.1', legacyPeerDeps: false, lowest: true },
} as const;
export type Project = keyof typeof PROJECTS;

/**
 * Packs every published package with the README's documented pack command (run in the repository, as users
 * run it) and copies the tarballs into `dir`; returns package name → tarball file name (in `dir`).
 */
export async function packAll(dir: string): Promise<Record<string, string>> {
  const { pack, packs } = documentedInstall();
  await run('bash', ['-c', pack], { cwd: root, timeout: 600_000 }).catch(
    (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`${pack} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
    },
  );
  const tarballs: Record<string, string> = {};
  for (const name of PACKAGES) {
    const version = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')).version;
    const file = `leasehold-${name}-${version}.tgz`;
    copyFileSync(join(root, packs, file), join(dir, file));
    tarballs[`@leasehold/${name}`] = file;
  }
  return tarballs;
}

/** Project `name`'s package.json, for a folder beside the tarballs (`tarballs` as `packAll` returns them). */
export function manifest(name: Project, tarballs: Record<string, string>): Record<string, unknown> {
  const local = Object.fromEntries(Object.entries(tarballs).map(([pkg, file]) => [pkg, `file:../${file}`]));
  return {
    name: `leasehold-consumer-${name.replace('.', '-')}`,
    private: true,
    type: 'module',
    dependencies: {
      ...local,
      '@kubernetes/client-node': PROJECTS[name].clientNode,
      // A second, different copy, to show a KubeConfig made by it is refused.
      'client-node-other': 'npm:@kubernetes/client-node@1.4.0',
      typescript: '5.9.3',
      '@types/node': '24.19.2',
    },
    // The packed packages name each other by version: these point them at the tarballs.
    overrides: {
      ...Object.fromEntries(Object.keys(tarballs).map((pkg) => [pkg, `$${pkg}`])),
      ...(PROJECTS[name].lowest
        ? { xstate: lowestAllowed('core', 'xstate'), 'fast-check': lowestAllowed('testkit', 'fast-check') }
        : {}),
    },
  };
}

export const lockfile = (name: Project) => join(import.meta.dirname, 'fixture', 'locks', `${name}.json`);

const npmFlags = (name: Project) => [
  '--no-audit',
  '--no-fund',
  '--loglevel=error',
  '--ignore-scripts',
  ...(PROJECTS[name].legacyPeerDeps ? ['--legacy-peer-deps'] : []),
];

/** Installs project `name` into `at` (a folder beside the tarballs) from its committed lockfile. */
export async function installProject(
  name: Project,
  at: string,
  tarballs: Record<string, string>,
): Promise<void> {
  writeFileSync(join(at, 'package.json'), JSON.stringify(manifest(name, tarballs), null, 2));
  copyFileSync(lockfile(name), join(at, 'package-lock.json'));
  await run('npm', ['ci', ...npmFlags(name)], { cwd: at, timeout: 300_000 }).catch(
    (err: { stderr?: string; message: string }) => {
      throw new Error(
        `npm ci of ${name} from ${lockfile(name)} failed (after a dependency or version change, run ` +
          `node tools/consumer/lock.ts):\n${err.stderr ?? err.message}`,
      );
    },
  );
}

/** Resolves project `name` in `at` from the registry and writes its lockfile (tools/consumer/lock.ts). */
export async function lockProject(
  name: Project,
  at: string,
  tarballs: Record<string, string>,
): Promise<void> {
  writeFileSync(join(at, 'package.json'), JSON.stringify(manifest(name, tarballs), null, 2));
  await run('npm', ['install', '--package-lock-only', ...npmFlags(name)], { cwd: at, timeout: 300_000 });
  const lock = JSON.parse(readFileSync(join(at, 'package-lock.json'), 'utf8'));
  for (const entry of Object.values(lock.packages) as { resolved?: string; integrity?: string }[])
    if (entry.resolved?.startsWith('file:')) delete entry.integrity;
  writeFileSync(lockfile(name), `${JSON.stringify(lock, null, 2)}\n`);
}
