/**
 * The deliberately broken statechart variant (broken.ts holds the broken locks), in a file of its own: its
 * type is XState's, and the testkit's public declarations must not load XState's (they do not check under a
 * strict consumer's `exactOptionalPropertyTypes` without `skipLibCheck`). Only the simulator imports it.
 */
import { jittered, leaseExpiry } from '@leasehold/core/internal';
import { electionMachine } from '@leasehold/core/statechart';
import { enqueueActions } from 'xstate';

/**
 * The election machine with the retry rule before rule 7 (docs/guide.md), swapped in with XState's
 * `provide()`: after a failed request, retry after a jittered retry period cut short at the observed lease's
 * expiry, which is 0 ms once that has passed; no back-off, no floor. With requests that fail at once, a
 * follower retries as fast as they fail. `LeaderElectionOptions.machine` for variant 'eager-retry'.
 */
export const eagerRetryMachine = electionMachine.provide({
  actions: {
    backOff: enqueueActions(({ context, event, enqueue }) => {
      const [jitteredMs, rng] = jittered(
        context.timing.retryPeriodMs,
        context.timing.jitterFactor,
        context.rng,
      );
      const expiry = leaseExpiry(context);
      const ms = expiry === undefined ? jitteredMs : Math.min(jitteredMs, Math.max(0, expiry - event.at));
      enqueue.assign({ rng });
      enqueue({ type: 'effect', params: { type: 'startTimer', timer: 'retry', ms } });
    }),
  },
});
