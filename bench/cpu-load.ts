/**
 * A fixed CPU load for bench/scale-compare.ts's contended mode: spins for `duty` of every 100 ms and sleeps
 * the rest, until killed. One of these per core beside the benchmark takes the same share of every core from
 * Leasehold and from client-go.
 *
 *   node bench/cpu-load.ts DUTY   # 0 < DUTY < 1, e.g. 0.5
 */
const PERIOD_MS = 100;
const duty = Number(process.argv[2]);
if (!(duty > 0 && duty < 1)) {
  console.error(`cpu-load: DUTY must be between 0 and 1, got ${process.argv[2]}`);
  process.exit(2);
}

function period(): void {
  const start = performance.now();
  const busyUntil = start + duty * PERIOD_MS;
  while (performance.now() < busyUntil) {
    // spin
  }
  setTimeout(period, Math.max(0, start + PERIOD_MS - performance.now()));
}
period();
