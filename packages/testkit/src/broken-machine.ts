/**
 * The deliberately broken statechart variants (broken.ts holds the broken locks), in a file of their own: their
 * type is XState's, and the testkit's public declarations must not load XState's (they do not check under a
 * strict consumer's `exactOptionalPropertyTypes` without `skipLibCheck`). Only the simulator imports them.
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

/**
 * The machine's own actions, to run after a variant's change. XState types a provided action by the
 * machine's action names, not as a bare action function, hence the casts where they are enqueued.
 */
const original = electionMachine.implementations.actions;

/**
 * The election machine counting a leader's validity from the write's *answer* instead of its sending (the
 * mistake rule 3 forbids): the acquiring write and each renewal set the deadline renewDeadline after the
 * answer arrived, so a slow answer stretches leadership by its latency. `variant: 'validity-from-answer'`.
 * Its own deadline arithmetic is consistent, so only a check that takes the send time from the store sees it.
 */
export const validityFromAnswerMachine = electionMachine.provide({
  actions: {
    becomeLeader: enqueueActions(({ context, event, enqueue }) => {
      if (context.op !== null) enqueue.assign({ op: { ...context.op, sentAt: event.at } });
      enqueue(original.becomeLeader as never);
    }),
    extendLease: enqueueActions(({ context, event, enqueue }) => {
      if (context.op !== null) enqueue.assign({ op: { ...context.op, sentAt: event.at } });
      enqueue(original.extendLease as never);
    }),
  },
});

/**
 * The election machine reporting a duplicate identity only when its watch shows the twin's write: a twin
 * found by a read (after a renewal's conflict) still makes it step down, silently. `variant:
 * 'twin-unreported-on-read'`. Most runs still report, so only a per-run check sees the silent ones.
 */
export const twinUnreportedOnReadMachine = electionMachine.provide({
  actions: {
    reportTwin: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'LOCK_READ') enqueue.assign({ twins: { ...context.twins, duplicate: true } });
      else enqueue(original.reportTwin as never);
    }),
  },
});
