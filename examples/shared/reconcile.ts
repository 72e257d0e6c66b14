/**
 * The leader-only work of the framework examples: a reconcile round every second while leading. The abort
 * (leadership ended, or a shutdown) ends the wait, never a round in hand; the election releases the lease
 * only after the returned promise settles.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Leadership } from '@leasehold/core';

export function reconcileLoop(
  log: (message: string) => void,
): (signal: AbortSignal, leadership: Leadership) => Promise<void> {
  return async (signal, leadership) => {
    log(`started leading (term ${leadership.term})`);
    for (let round = 1; !signal.aborted && leadership.isCurrent(); round += 1) {
      log(`reconcile round ${round}`);
      await sleep(1_000, undefined, { signal }).catch(() => {});
    }
    log('work finished');
  };
}
