/** Runs the `leasehold` command as a process, as a user runs it, against the test control plane. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeconfigPath } from '@leasehold/kube-tools/testing.ts';

export const root = join(import.meta.dirname, '..', '..', '..');
/** The command's entry point, run from its sources. */
export const main = join(root, 'packages', 'cli', 'src', 'main.ts');
/** A scratch directory for the run: the command's working directory, and where tests put files. */
export const scratch = mkdtempSync(join(tmpdir(), 'leasehold-cli-'));
/** The arguments that start the command under this Node. */
export const nodeArgs = ['--conditions=source', main];

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `leasehold ARGS` (KUBECONFIG: the test control plane unless `env` says otherwise); killed after 120 s. */
export async function leasehold(args: readonly string[], env: Record<string, string> = {}): Promise<Result> {
  return run(process.execPath, [...nodeArgs, ...args], env);
}

/** Runs a program with the test control plane's KUBECONFIG; killed after 120 s. */
export async function run(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Result> {
  return promisify(execFile)(file, args, {
    env: { ...process.env, KUBECONFIG: kubeconfigPath(), ...env },
    timeout: 120_000,
    cwd: scratch,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
}

/** A running `leasehold ARGS`: its standard output so far, and its result once it ends (killed after 120 s). */
export function start(args: readonly string[]): { stdout: () => string; done: Promise<Result> } {
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    cwd: scratch,
    timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<Result>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
  return { stdout: () => stdout, done };
}
