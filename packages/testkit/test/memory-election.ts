/**
 * An election on the in-memory lock `app` of `store`, on a manual clock, with client-go's timings
 * (15 s, 10 s, 2 s) and a seed from the identity: the candidate the driver-level tests build, with `over`
 * for what each test watches (callbacks) or changes.
 */
import { ElectionConfig, type ElectionConfigOptions, LeaderElection } from '@leasehold/core';
import type { ManualClock } from '@leasehold/core/internal';
import type { MemoryLockStore } from '@leasehold/memory';

export function memoryElection(
  store: MemoryLockStore,
  clock: ManualClock,
  id: string,
  over: Partial<ElectionConfigOptions> = {},
): LeaderElection {
  return new LeaderElection(
    new ElectionConfig({
      lock: store.lock('app', id),
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      clock,
      seed: id.charCodeAt(0),
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: () => {},
      ...over,
    }),
  );
}
