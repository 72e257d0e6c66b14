/**
 * Where a process's V8 heap allocation goes, garbage included: a preload (`node --import
 * ./bench/alloc-sampling.ts ...`) that runs V8's sampling heap profiler through the inspector, keeping the
 * samples of objects the collections already freed (`includeObjectsCollectedByMajorGC/MinorGC`; Node's
 * `--heap-prof` keeps only what is still live, which misses a renewal's garbage), from `ALLOC_START_S`
 * seconds after start to `ALLOC_STOP_S`, and writes the profile to `ALLOC_PROFILE` (a `.heapprofile`, which
 * Chrome DevTools opens). `bench/alloc-breakdown.ts` groups it by package and function.
 *
 *   ALLOC_START_S=40 ALLOC_STOP_S=70 ALLOC_PROFILE=/tmp/scale.heapprofile \
 *     node --conditions=source --import ./bench/alloc-sampling.ts bench/scale.ts --kind lease --elections 300
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const startS = Number(process.env.ALLOC_START_S ?? 30);
const stopS = Number(process.env.ALLOC_STOP_S ?? 60);
const file = process.env.ALLOC_PROFILE ?? `alloc-${process.pid}.heapprofile`;
/** Bytes between samples: 4 KiB gives thousands of samples a second at 500 renewals/s, at little cost. */
const interval = Number(process.env.ALLOC_INTERVAL ?? 4096);

const session = new Session();
session.connect();
setTimeout(async () => {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: interval,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const started = Date.now();
  setTimeout(
    async () => {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      console.error(`alloc-sampling: ${((Date.now() - started) / 1000).toFixed(1)} s sampled into ${file}`);
    },
    (stopS - startS) * 1000,
  ).unref();
}, startS * 1000).unref();
