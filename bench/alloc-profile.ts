/**
 * Where a process's allocations go, garbage included: a preload (`node --import ./bench/alloc-profile.ts
 * ...`) that runs V8's sampling heap profiler over a window of the process's life, counting the objects the
 * collections freed too (`includeObjectsCollectedByMinorGC/MajorGC`; `node --heap-prof` keeps only what is
 * still live at exit, which leaves out the garbage, the very thing measured here). At the end of the window
 * it prints the sampled bytes grouped three ways: by the innermost frame of the repository's own code
 * (packages/, bench/) on the allocating stack, by the allocating function itself, and by that function
 * with its three callers.
 *
 *   ALLOC_PROFILE_START=40 ALLOC_PROFILE_SECONDS=30 node --import ./bench/alloc-profile.ts \
 *     --conditions=source --expose-gc bench/scale.ts --kind memory --elections 1000 --seconds 30 --warmup 10
 *
 * ALLOC_PROFILE_START: seconds after start (default 40: after scale.ts's warm-up and its 10 s settling);
 * ALLOC_PROFILE_SECONDS: the window (default 20); ALLOC_PROFILE_INTERVAL: mean bytes between samples
 * (default 8192); ALLOC_PROFILE_TOP: rows per table (default 25). The profile goes to stderr.
 */
import { profileWindow } from './sampled-profile.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seconds = env('ALLOC_PROFILE_SECONDS', 20);
profileWindow({
  label: 'alloc-profile',
  start: env('ALLOC_PROFILE_START', 40),
  seconds,
  interval: env('ALLOC_PROFILE_INTERVAL', 8192),
  top: env('ALLOC_PROFILE_TOP', 25),
  collected: true,
  summary: (mib) => `${mib} MiB sampled over ${seconds} s`,
});
