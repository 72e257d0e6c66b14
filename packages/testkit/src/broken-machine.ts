/**
 * The deliberately broken statechart variants (broken.ts holds the broken locks), in a file of their own: their
 * type is XState's, and the testkit's public declarations must not load XState's (they do not check under a
 * strict consumer's `exactOptionalPropertyTypes` without `skipLibCheck`). Only the simulator imports them.
 * Each swaps steps of the machine for broken ones (`withSteps`); every transition listing a swapped step
 * runs the broken one.
 */
import { jittered, leaseExpiry } from '@leasehold/core/internal';
import { type electionMachine, withSteps } from '@leasehold/core/statechart';

type ElectionMachine = typeof electionMachine;

/**
 * The election machine with the retry rule before rule 7 (docs/guide.md): after a failed request, retry
 * after a jittered retry period cut short at the observed lease's expiry, which is 0 ms once that has
 * passed; no back-off, no floor. With requests that fail at once, a follower retries as fast as they fail.
 * `LeaderElectionOptions.machine` for variant 'eager-retry'.
 */
export const eagerRetryMachine: ElectionMachine = withSteps(() => ({
  backOff: (context, event) => {
    const [jitteredMs, rng] = jittered(
      context.timing.retryPeriodMs,
      context.timing.jitterFactor,
      context.rng,
    );
    const expiry = leaseExpiry(context);
    const ms = expiry === undefined ? jitteredMs : Math.min(jitteredMs, Math.max(0, expiry - event.at));
    return { context: { rng }, effects: [{ type: 'startTimer', timer: 'retry', ms }] };
  },
}));

/**
 * The election machine counting a leader's validity from the write's *answer* instead of its sending (the
 * mistake rule 3 forbids): the acquiring write and each renewal set the deadline renewDeadline after the
 * answer arrived, so a slow answer stretches leadership by its latency. `variant: 'validity-from-answer'`.
 * Its own deadline arithmetic is consistent, so only a check that takes the send time from the store sees it.
 */
export const validityFromAnswerMachine: ElectionMachine = withSteps((original) => {
  /** `step` run on a request stamped as sent now, the stamp kept in the context. */
  const fromAnswer: typeof original.becomeLeader = (context, event) => {
    if (context.op === null) return original.becomeLeader(context, event);
    const op = { ...context.op, sentAt: event.at };
    const step = original.becomeLeader({ ...context, op }, event);
    return { context: { op, ...step.context }, effects: step.effects };
  };
  const extendFromAnswer: typeof original.extendLease = (context, event) => {
    if (context.op === null) return original.extendLease(context, event);
    const op = { ...context.op, sentAt: event.at };
    const step = original.extendLease({ ...context, op }, event);
    return { context: { op, ...step.context }, effects: step.effects };
  };
  return { becomeLeader: fromAnswer, extendLease: extendFromAnswer };
});

/**
 * The election machine reporting a duplicate identity only when its watch shows the twin's write: a twin
 * found by a read (after a renewal's conflict) still makes it step down, silently. `variant:
 * 'twin-unreported-on-read'`. Most runs still report, so only a per-run check sees the silent ones.
 */
export const twinUnreportedOnReadMachine: ElectionMachine = withSteps((original) => ({
  reportTwin: (context, event) => {
    if (event.type !== 'LOCK_READ') return original.reportTwin(context, event);
    return { context: { twins: { ...context.twins, duplicate: true } }, effects: [] };
  },
}));
