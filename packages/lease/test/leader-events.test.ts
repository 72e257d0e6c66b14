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

  it('a 300-character identity and a lock name near 253 characters: the Event is accepted, within the limits', async () => {
    // A Lease name of 250 characters (four labels: a DNS subdomain at its longest but 3), and an identity of
    // 300 four-byte characters (1,200 bytes of UTF-8, more than a note may hold).
    const tag = uniqueName('e').slice(2); // 8 hex digits, so runs do not share the Lease
    const name = [`${tag}${'a'.repeat(53)}`, 'b'.repeat(62), 'c'.repeat(62), 'd'.repeat(62)].join('.');
    expect(name).toHaveLength(250);
    const identity = '\u{1D50F}'.repeat(300);
    expect([...identity]).toHaveLength(300);
    const lock = new LeaseLock({ name, namespace: NAMESPACE, identity, kubeConfig: kubeConfig() });
    const { election, errors } = candidate(lock);
    recordLeaderEvents(election, lock);
    void election.acquire();
    await waitFor(() => election.isLeader(), Boolean, 10_000);
    await election.stop();
    const events = await waitFor(
      () => eventsOn(name),
      (list) => list.length >= 2,
      10_000,
    );
    expect(errors).toEqual([]);
    const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '');
    for (const event of events) {
      const eventName = event.metadata!.name!;
      console.log(
        `leader-events: name ${eventName.length} characters, note ${bytes(event.note)} bytes, ` +
          `reportingInstance ${bytes(event.reportingInstance)} bytes`,
      );
      expect(eventName.length).toBeLessThanOrEqual(253);
      expect(eventName).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
      expect(name.startsWith(eventName.slice(0, eventName.lastIndexOf('.')))).toBe(true);
      expect(bytes(event.note)).toBeLessThanOrEqual(1024);
      expect(bytes(event.reportingInstance)).toBeLessThanOrEqual(128);
      expect(identity.startsWith(event.reportingInstance!.replace(/\.\.\.$/, ''))).toBe(true);
      expect(event.regarding?.name).toBe(name);
    }
    expect(events.map((e) => e.note)).toEqual([
      expect.stringMatching(/^(\u{1D50F})+\.\.\. became leader$/u),
      expect.stringMatching(/^(\u{1D50F})+\.\.\. stopped leading$/u),
    ]);
  });
});
