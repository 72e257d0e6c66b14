/**
 * The inspector bridge names its actor's session after the election, from the first event an inspector
 * receives (XState announces an actor before its session id can be set), and keeps session ids of
 * running bridges distinct.
 */

import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { ElectionConfig, LeaderElection } from '../src/index.ts';
import { ManualClock } from '../src/internal.ts';
import { inspectElection } from '../src/statechart.ts';
import { stubLock } from './stub-lock.ts';

const election = (identity: string) =>
  new LeaderElection(
    new ElectionConfig({
      lock: stubLock(identity),
      name: 'reports',
      clock: new ManualClock(),
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    }),
  );

/** What a synchronous inspector reads from each event as it arrives, as @statelyai/inspect's converter does. */
function recorder() {
  const seen: Array<{ type: string; sessionId: string; rootId: string }> = [];
  const inspect = (event: InspectionEvent) =>
    seen.push({ type: event.type, sessionId: event.actorRef.sessionId, rootId: event.rootId });
  return { seen, inspect };
}

describe('inspectElection', () => {
  it("names the session after the election's name and identity, from the first event on", () => {
    const { seen, inspect } = recorder();
    const inspection = inspectElection(election('pod-a'), inspect);
    expect(inspection.actor.sessionId).toBe('leasehold:reports pod-a');
    expect(inspection.actor.id).toBe('reports pod-a');
    expect(seen[0]?.type).toBe('@xstate.actor');
    expect(seen.length).toBeGreaterThan(1);
    for (const event of seen)
      expect(event).toMatchObject({
        sessionId: 'leasehold:reports pod-a',
        rootId: 'leasehold:reports pod-a',
      });
    inspection.stop();
  });

  it('keeps the session ids of running bridges distinct, and frees one at stop', () => {
    const a = election('pod-a');
    const first = inspectElection(a, () => {});
    const second = inspectElection(a, () => {});
    const named = inspectElection(election('pod-b'), () => {}, 'pod-b');
    expect([first.actor.sessionId, second.actor.sessionId, named.actor.sessionId]).toEqual([
      'leasehold:reports pod-a',
      'leasehold:reports pod-a (2)',
      'leasehold:pod-b',
    ]);
    first.stop();
    first.stop();
    const third = inspectElection(a, () => {});
    expect(third.actor.sessionId).toBe('leasehold:reports pod-a');
    for (const inspection of [second, named, third]) inspection.stop();
  });
});
