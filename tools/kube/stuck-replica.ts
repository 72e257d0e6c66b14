/**
 * The HA controller example (examples/ha-controller/replica.ts) with a fault switch, for the liveness test
 * in examples/kube/operations.test.ts only. It lives here, in the test tooling, so that nothing under
 * examples/ (which users copy) installs a signal handler: after SIGUSR2 nothing reaches the replica's elector any more, neither its
 * timers nor its lock's answers and notifications, as if its loop were deadlocked; the process itself keeps
 * serving /healthz, /readyz and /metrics, and its controller loop keeps running on its own timers. The
 * shipped example has no such switch (a signal that `node --heapsnapshot-signal` or nodemon may send must not
 * freeze a production elector).
 */
import type { Clock, Lock } from '@leasehold/core';
import { systemClock } from '@leasehold/core';
import { runReplica, setUpReplica } from '../../examples/ha-controller/replica.ts';

const replica = setUpReplica();
let frozen = false;
process.on('SIGUSR2', () => {
  frozen = true;
  replica.log('SIGUSR2: elector frozen');
});

/** The system clock whose timers never fire once frozen (its time keeps running). */
const clock: Clock = { ...systemClock, setTimer: (ms, fn) => systemClock.setTimer(ms, () => frozen || fn()) };

const never = new Promise<never>(() => {});

/** `inner`, whose answers and notifications never arrive once frozen (a request in flight hangs). */
function freezable(inner: Lock): Lock {
  const unlessFrozen = <T>(result: Promise<T>) => result.then((value) => (frozen ? never : value));
  return {
    identity: inner.identity,
    describe: () => inner.describe(),
    get: (o) => unlessFrozen(inner.get(o)),
    create: (record, o) => unlessFrozen(inner.create(record, o)),
    update: (record, version, o) => unlessFrozen(inner.update(record, version, o)),
    watch: (onChange, onHealth, onError) =>
      inner.watch!(
        (snapshot) => frozen || onChange(snapshot),
        (live) => frozen || onHealth?.(live),
        (error) => frozen || onError?.(error),
      ),
  };
}

await runReplica(replica, { lock: freezable(replica.lock), clock });
