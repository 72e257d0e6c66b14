/** Runs `leasehold` as a user does (a Node process on the sources), with an explicit timeout. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');

/** What a run printed, and its exit code. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `leasehold ...args`, for commands that need no cluster. */
export async function leaseholdCommand(args: readonly string[]): Promise<Run> {
  return promisify(execFile)(process.execPath, ['--conditions=source', main, ...args], {
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
}
