import type { LeaderElection } from '@leasehold/core';
import {
  coordination,
  electionWithErrors,
  leaderEvents as eventsOn,
  kubeConfig,
  NAMESPACE,
  namespaceWithRestrictedRole,
  uniqueName,
  waitFor,
} from '@leasehold/kube-tools/testing.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseLock, recordLeaderEvents } from '../src/index.ts';

const running: LeaderElection[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

function candidate(lock: LeaseLock): { election: LeaderElection; errors: unknown[] } {
  const made = electionWithErrors(lock);
  running.push(made.election);
  return made;
}

describe('leader events on the lock object (events.k8s.io/v1)', () => {
  it('records "<identity> became leader" and "stopped leading" on the Lease, regarding it by uid, as client-go words them', async () => {
    const name = uniqueName('events');
    const kc = kubeConfig();
    const locks = ['pod-a', 'pod-b'].map(
      (identity) => new LeaseLock({ name, namespace: NAMESPACE, identity, kubeConfig: kc }),
    );
    const [a, b] = locks.map((lock) => {
      const { election } = candidate(lock);
      recordLeaderEvents(election, lock, { reportingController: 'leasehold-test' });
      return election;
    }) as [LeaderElection, LeaderElection];
    void a.acquire();
    await waitFor(() => a.isLeader(), Boolean, 10_000);
    void b.acquire();
    await a.stop();
    await waitFor(() => b.isLeader(), Boolean, 10_000);
    const events = await waitFor(
      () => eventsOn(name),
      (list) => list.length >= 3,
      10_000,
    );
    expect(events.map((e) => e.note)).toEqual([
      'pod-a became leader',
      'pod-a stopped leading',
      'pod-b became leader',
    ]);
    const lease = await coordination().readNamespacedLease({ name, namespace: NAMESPACE });
    for (const event of events) {
      expect(event.type).toBe('Normal');
      expect(event.reportingController).toBe('leasehold-test');
      expect(event.regarding).toMatchObject({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        name,
        namespace: NAMESPACE,
        uid: lease.metadata?.uid,
      });
      expect(event.metadata?.name).toMatch(new RegExp(`^${name}\\.[0-9a-f]+$`));
    }
    expect(events.map((e) => e.action)).toEqual(['BecameLeader', 'StoppedLeading', 'BecameLeader']);
    expect(events.map((e) => e.reportingInstance)).toEqual(['pod-a', 'pod-a', 'pod-b']);
  });

  it('without permission to create events the election works and the failure is said once', async () => {
    const namespace = await namespaceWithRestrictedRole('noevents', 'elect', [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'watch', 'create', 'update', 'patch'],
      },
    ]);
    const name = uniqueName('events');
    const lock = new LeaseLock({ name, namespace, identity: 'pod-a', kubeConfig: kubeConfig('restricted') });
    const { election: a, errors } = candidate(lock);
    recordLeaderEvents(a, lock);
    for (let round = 0; round < 2; round += 1) {
      void a.acquire();
      await waitFor(() => a.isLeader(), Boolean, 10_000);
      await a.stop();
    }
    await waitFor(
      () => errors,
      (list) => list.length > 0,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    // Four events refused, one report; nothing else went wrong in the election.
    expect(errors.map(String)).toEqual([
      expect.stringMatching(
        new RegExp(
          `LeaderEventError: Lease ${namespace}/${name}: leader event "pod-a became leader" not recorded: Forbidden: .*create event: HTTP 403`,
        ),
      ),
    ]);
    expect(await eventsOn(name, namespace)).toEqual([]);
  });
});
