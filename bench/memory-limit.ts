/**
 * A memory limit for a benchmark's process, as a pod's `resources.limits.memory` gives its container: a
 * memory cgroup of its own (cgroup v1 or v2) with that limit, the process moved into it before it execs,
 * its children with it. Node sizes V8's heap from the limit (`process.constrainedMemory()`), and the young
 * generation with it: on the 24 GiB test machine a heap limit of 259 MiB at 128-512 MiB, 560 at 1 GiB, 1,120 at
 * 2 GiB, 4,288 with no limit (the deploy/ manifest's limit is 256 MiB). Go's runtime does not read the limit:
 * client-go's electors run the same either way unless GOMEMLIMIT is set, which this does not set.
 *
 *   node bench/memory-limit.ts MIB COMMAND [ARGS...]   # e.g. node bench/memory-limit.ts 512 node bench/core-plain-js.ts scale.ts --kind memory
 *   scripts/bench.sh --scale --compare --memory-limit MIB ...   # every case (Leasehold's and client-go's) in one
 *
 * Needs a writable cgroup hierarchy (root in a container, or a delegated cgroup). Without one it fails,
 * naming the path it could not write: no run silently goes unlimited. Measured on cgroup v1 only; on v2 the
 * process's own cgroup must be able to hand the memory controller down, which the kernel refuses while that
 * cgroup holds processes (EBUSY): start the benchmark from a cgroup of its own there.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cgroup could not be made or limited; the message names the file and the system's error. */
export class MemoryLimitError extends Error {
  override readonly name = 'MemoryLimitError';
}

/** A memory cgroup made for one process, with its limit. */
export interface MemoryCgroup {
  readonly path: string;
  readonly mib: number;
  /** The command and arguments that run `command` inside the cgroup (a shell moves itself in, then execs). */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** Removes the cgroup once its processes have exited; a cgroup still busy is left, with a warning. */
  remove(): void;
}

function write(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (error) {
    throw new MemoryLimitError(`cannot write ${value.trim()} to ${file}: ${(error as Error).message}`);
  }
}

/** Where this process's memory cgroup is, and which version: from /proc/self/cgroup. */
function ownCgroup(): { dir: string; version: 1 | 2 } {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  for (const line of lines) {
    const [, controllers, path] = line.split(':', 3) as [string, string, string];
    if (controllers.split(',').includes('memory'))
      return { dir: join('/sys/fs/cgroup/memory', path), version: 1 };
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  if (unified === undefined) throw new MemoryLimitError('no memory controller in /proc/self/cgroup');
  return { dir: join('/sys/fs/cgroup', unified.slice(3)), version: 2 };
}

/** Makes a memory cgroup named `name` beside this process's own, limited to `mib` MiB. */
export function createMemoryCgroup(mib: number, name: string): MemoryCgroup {
  if (!Number.isInteger(mib) || mib <= 0) throw new MemoryLimitError(`not a memory limit in MiB: ${mib}`);
  const own = ownCgroup();
  // cgroup v2 lets a child limit memory only when its parent hands the controller down.
  if (own.version === 2) write(join(own.dir, 'cgroup.subtree_control'), '+memory');
  const path = join(own.dir, name);
  try {
    mkdirSync(path);
  } catch (error) {
    throw new MemoryLimitError(`cannot make the cgroup ${path}: ${(error as Error).message}`);
  }
  write(join(path, own.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'), String(mib * 2 ** 20));
  const procs = join(path, 'cgroup.procs');
  return {
    path,
    mib,
    wrap: (command, args) => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, command, ...args]],
    remove: () => {
      try {
        rmdirSync(path);
      } catch (error) {
        // A child of the measured process still exiting: the measures are taken; only the directory stays.
        console.error(`bench/memory-limit.ts: left ${path}: ${(error as Error).message}`);
      }
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mib, command, ...args] = process.argv.slice(2);
  if (mib === undefined || command === undefined) {
    console.error('usage: node bench/memory-limit.ts MIB COMMAND [ARGS...]');
    process.exit(2);
  }
  const cgroup = createMemoryCgroup(Number(mib), `leasehold-bench-${process.pid}`);
  console.error(`memory limit ${cgroup.mib} MiB: ${cgroup.path}`);
  const [shell, wrapped] = cgroup.wrap(command, args);
  const child = spawn(shell, wrapped, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => {
    cgroup.remove();
    process.exit(code ?? (signal ? 128 : 1));
  });
}
