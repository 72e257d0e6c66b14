/**
 * Coordinated leader election (issue 16) on the test control plane, which enables the
 * CoordinatedLeaderElection gate and coordination.k8s.io/v1beta1: candidates publish LeaseCandidates, the
 * API server's controller writes the holder into the Lease; a candidate with an older emulation version
 * appears, the controller names it preferredHolder, and the Leasehold leader yields at once (its work
 * stops, then a handover), where client-go waits for its lease to run out.
 */
import { ElectionConfig, LeaderElection, type StoppedReason } from '@leasehold/core';
import { coordination, kubeConfig, NAMESPACE, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { expect, it } from 'vitest';
import { LeaseCandidate, LeaseLock } from '../src/index.ts';

it('the API server picks the holder; a better candidate appears and the leader yields to it at once', async () => {
  const lease = uniqueName('coordinated');
  const log: { at: number; what: string }[] = [];
  const errors: unknown[] = [];
  const candidate = (id: string, version: string) => {
    const kc = kubeConfig();
    const registration = new LeaseCandidate({
      leaseName: lease,
      namespace: NAMESPACE,
      identity: id,
      binaryVersion: version,
      kubeConfig: kc,
      onError: (e) => errors.push(e),
    });
    const election = new LeaderElection(
      new ElectionConfig({
        lock: new LeaseLock({ name: lease, namespace: NAMESPACE, identity: id, kubeConfig: kc }),
        leaseDuration: 15,
        renewDeadline: 10,
        retryPeriod: 2,
        coordinated: true,
        onStartedLeading: async (signal) => {
          log.push({ at: performance.now(), what: `${id} started` });
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          log.push({ at: performance.now(), what: `${id} work done` });
        },
        onStoppedLeading: (reason: StoppedReason) => {
          log.push({ at: performance.now(), what: `${id} stopped: ${reason}` });
        },
        onError: (e) => errors.push(e),
      }),
    );
    return { registration, election };
  };
  const a = candidate('cand-a', '1.37.0');
  const b = candidate('cand-b', '1.36.0');
  const campaigns: Promise<void>[] = [];
  try {
    // Alone, a is elected by the controller (a coordinated candidate never takes an unassigned lock).
    campaigns.push(a.election.campaign());
    await a.registration.start();
    await waitFor(() => a.election.isLeader(), Boolean, 15_000);
    const elected = await coordination().readNamespacedLease({ name: lease, namespace: NAMESPACE });
    expect(elected.spec).toMatchObject({ holderIdentity: 'cand-a', strategy: 'OldestEmulationVersion' });

    // b emulates an older version: the controller prefers it; a yields to it without waiting out its lease.
    campaigns.push(b.election.campaign());
    const t0 = performance.now();
    await b.registration.start();
    await waitFor(() => b.election.isLeader(), Boolean, 15_000);
    const took = performance.now() - t0;
    const stopped = log.find((l) => l.what === 'cand-a stopped: handedOver')?.at ?? Number.NaN;
    const started = log.find((l) => l.what === 'cand-b started')?.at ?? Number.NaN;
    console.log(
      `coordinated: cand-b led ${took.toFixed(0)} ms after it registered; ${(started - stopped).toFixed(1)} ms after cand-a yielded`,
    );
    expect(took).toBeLessThan(10_000); // far less than the lease of 15 s client-go's leader would wait out
    expect(log.map((l) => l.what)).toEqual([
      'cand-a started',
      'cand-a work done',
      'cand-a stopped: handedOver',
      'cand-b started',
    ]);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(b.election.isLeader()).toBe(true);
    expect(a.election.isLeader()).toBe(false);
  } finally {
    await Promise.all([a.election.stop(), b.election.stop()]);
    await Promise.all(campaigns);
    await Promise.all([a.registration.stop(), b.registration.stop()]);
  }
  expect(errors).toEqual([]);
}, 90_000);
