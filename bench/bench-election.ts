/**
 * The election the many-elections benchmarks run (scale.ts, election-heap.ts, startup-sockets.ts): one
 * candidate on `lock`, client-go's timings (15 s, 10 s, 2 s), callbacks that do nothing, not yet started.
 */
import { ElectionConfig, LeaderElection, type Lock } from '@leasehold/core';

export function benchElection(lock: Lock): LeaderElection {
  return new LeaderElection(
    new ElectionConfig({
      lock,
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
      onError: () => {},
    }),
  );
}
