/** Runs `leasehold` as a user does (a Node process on the sources), with an explicit timeout. */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const main = join(import.meta.dirname, '..', 'src', 'main.ts');

/** What a run printed, and its exit code. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run it: the environment, the working directory, and how long it may take (default 60 s). */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** `leasehold ...args`; its exit code, or -1 if it was killed (the timeout). */
export async function leaseholdCommand(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return promisify(execFile)(process.execPath, ['--conditions=source', main, ...args], {
    timeout: options.timeoutMs ?? 60_000,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
}

/** A `leasehold` process still running: what it has printed so far, and its end. */
export interface Running {
  /** Resolves once stdout matches `pattern` (a process starts in seconds on a loaded machine). */
  printed(pattern: RegExp): Promise<void>;
  /** Resolves when it exits (or is killed at the timeout: code -1). */
  readonly done: Promise<Run>;
  /** Sends SIGINT, as Ctrl-C does: ends a `watch` once the test has seen what it waits for. */
  interrupt(): void;
}

/** Starts `leasehold ...args` and returns at once, for commands that follow something (`watch`). */
export function startLeasehold(args: readonly string[], options: RunOptions = {}): Running {
  const child = spawn(process.execPath, ['--conditions=source', main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  const waiting: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (let i = waiting.length - 1; i >= 0; i--)
      if (waiting[i]!.pattern.test(stdout)) waiting.splice(i, 1)[0]!.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  return {
    printed: (pattern) =>
      pattern.test(stdout)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiting.push({ pattern, resolve })),
            done.then((run) => {
              throw new Error(
                `leasehold exited (${run.code}) before printing ${pattern}: ${run.stdout}${run.stderr}`,
              );
            }),
          ]),
    done,
    interrupt: () => {
      child.kill('SIGINT');
    },
  };
}
