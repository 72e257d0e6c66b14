/**
 * Quiet followers on the real control plane, one definition for every Kubernetes lock kind: while a lock's
 * watch is live, a waiting follower sends no request at all as the leader renews (each renewal reaches it as
 * a watch event), and still takes over once a lease after the leader went silent. Counted at the Lock port,
 * so every request the follower's elector makes is seen.
 */
import { ElectionConfig, LeaderElection, type Lock } from '@leasehold/core';
import { describe, expect, it } from 'vitest';
import { countingLock, totalRequests, uniqueName, waitFor } from './testing.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeQuietFollowers(
  kind: string,
  makeLock: (name: string, identity: string) => Lock,
): void {
  describe(`${kind}: followers with a live watch`, () => {
    it('send nothing while the leader renews, and take over a lease after it goes silent', async () => {
      const name = uniqueName('quiet');
      const candidates = ['quiet-a', 'quiet-b'].map((id) => {
        const counted = countingLock(makeLock(name, id));
        const election = new LeaderElection(
          new ElectionConfig({
            lock: counted.lock,
            leaseDuration: 3,
            renewDeadline: 2,
            retryPeriod: 0.5,
            // Stopping without release leaves the lease to expire, as a crash would.
            releaseOnCancel: false,
            onStartedLeading: () => {},
            onStoppedLeading: () => {},
          }),
        );
        void election.acquire();
        return { id, election, counts: counted.counts };
      });
      try {
        const leader = await waitFor(
          () => candidates.find((c) => c.election.isLeader()),
          (c) => c !== undefined,
          10_000,
        );
        const follower = candidates.find((c) => c !== leader)!;
        await waitFor(
          () => follower.election.snapshot.context.watchLive,
          (live) => live,
          10_000,
        );
        // Let the follower's wait settle onto the watch: its last poll may still be in flight.
        await sleep(1_000);
        const before = { leader: totalRequests(leader!.counts), follower: { ...follower.counts } };

        await sleep(4_000); // longer than the lease: a polling follower would send ~8 reads here
        const renewals = totalRequests(leader!.counts) - before.leader;
        expect(renewals).toBeGreaterThanOrEqual(2); // the leader kept renewing (one every 0.5 s when idle)
        expect(follower.counts).toEqual(before.follower);
        expect(follower.election.isLeader()).toBe(false);
        expect(leader!.election.isLeader()).toBe(true);

        const silentAt = Date.now();
        await leader!.election.stop();
        await waitFor(
          () => follower.election.isLeader(),
          (leads) => leads,
          10_000,
        );
        const takeover = Date.now() - silentAt;
        // The rule makes it wait a full lease after the last renewal it saw: at least 2.5 s here.
        expect(takeover).toBeGreaterThanOrEqual(2_000);
        // At expiry: one read, then one write (or a create); no polling on the way.
        expect(follower.counts.get - before.follower.get).toBeLessThanOrEqual(2);
        console.log(
          `${kind}: leader renewed ${renewals} times in 4 s while the follower sent 0 requests; ` +
            `after the leader went silent the follower led in ${takeover} ms with ` +
            `${follower.counts.get - before.follower.get} read(s)`,
        );
      } finally {
        await Promise.all(candidates.map((c) => c.election.stop()));
      }
    }, 60_000);
  });
}
