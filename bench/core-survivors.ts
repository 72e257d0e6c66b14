/**
 * What a process's allocations leave live: a preload (`node --import ./bench/core-survivors.ts ...`) that
 * runs V8's sampling heap profiler over a window and keeps only the sampled objects still live when the
 * window closes (`includeObjectsCollectedByMinorGC/MajorGC` false). Over a window longer than a renewal,
 * that is what each renewal allocates and keeps until the next one replaces it: the bytes that survive
 * scavenges, which make V8 grow its young generation (bench/alloc-profile.ts counts the garbage instead).
 * Printed as bench/alloc-profile.ts prints: by the innermost frame of the repository, by the allocating
 * function, and by that function with its three callers.
 *
 *   SURVIVORS_START=40 SURVIVORS_SECONDS=6 node --import ./bench/core-survivors.ts \
 *     --conditions=source --expose-gc bench/scale.ts --kind memory --elections 1000 --seconds 30 --warmup 10
 *
 * SURVIVORS_START: seconds after start (default 40); SURVIVORS_SECONDS: the window (default 6: three
 * renewal periods of client-go's timings); SURVIVORS_INTERVAL: mean bytes between samples (default 1024);
 * SURVIVORS_TOP: rows per table (default 25). The profile goes to stderr.
 */
import { profileWindow } from './sampled-profile.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seconds = env('SURVIVORS_SECONDS', 6);
profileWindow({
  label: 'core-survivors',
  start: env('SURVIVORS_START', 40),
  seconds,
  interval: env('SURVIVORS_INTERVAL', 1024),
  top: env('SURVIVORS_TOP', 25),
  collected: false,
  summary: (mib) => `${mib} MiB sampled, allocated in the last ${seconds} s and live at its end`,
});
