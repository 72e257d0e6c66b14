/**
 * Coordinated leader election across implementations (issue 16): a Leasehold candidate and a client-go
 * coordinated candidate (its own LeaseCandidate, `Coordinated: true`) on one Lease, the API server's
 * controller choosing. When the controller prefers the other, Leasehold yields at once (a handover that
 * client-go takes as its own lock); client-go, preferred away from, stops renewing and its lease runs out
 * before the controller hands the Lease on.
 */
import { ElectionConfig, LeaderElection, type StoppedReason } from '@leasehold/core';
import { CandidateProcess } from '@leasehold/kube-tools/processes.ts';
import { kubeConfig, kubeconfigPath, NAMESPACE, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { LeaseCandidate, LeaseLock } from '@leasehold/lease';
import { afterEach, expect, it } from 'vitest';
import { MIXED_TIMING } from '../mixed-cluster.ts';
import { interopPeers } from '../peers.ts';

const procs: CandidateProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
});

function leasehold(lease: string, id: string, version: string, log: string[]) {
  const kc = kubeConfig();
  const registration = new LeaseCandidate({
    leaseName: lease,
    namespace: NAMESPACE,
    identity: id,
    binaryVersion: version,
    kubeConfig: kc,
  });
  const election = new LeaderElection(
    new ElectionConfig({
      lock: new LeaseLock({ name: lease, namespace: NAMESPACE, identity: id, kubeConfig: kc }),
      leaseDuration: Number(MIXED_TIMING.LEASE_DURATION),
      renewDeadline: Number(MIXED_TIMING.RENEW_DEADLINE),
      retryPeriod: Number(MIXED_TIMING.RETRY_PERIOD),
      coordinated: true,
      onStartedLeading: () => {
        log.push(`${id} started`);
      },
      onStoppedLeading: (reason: StoppedReason) => {
        log.push(`${id} stopped: ${reason}`);
      },
      onError: () => {},
    }),
  );
  return { registration, election };
}

function clientGo(lease: string, id: string, version: string) {
  const env = {
    ...MIXED_TIMING,
    KUBECONFIG: kubeconfigPath(),
    LOCK_KIND: 'lease',
    LOCK_NAME: lease,
    COORDINATED: '1',
    BINARY_VERSION: version,
  };
  const proc = new CandidateProcess(id, env, interopPeers()['client-go']);
  procs.push(proc);
  return proc;
}

it('Leasehold leads; a client-go candidate with an older version joins: Leasehold yields to it at once', async () => {
  const lease = uniqueName('coord-mixed');
  const log: string[] = [];
  const lh = leasehold(lease, 'lh-a', '1.37.0', log);
  const campaign = lh.election.campaign();
  try {
    await lh.registration.start();
    await waitFor(() => lh.election.isLeader(), Boolean, 15_000);
    const t0 = Date.now();
    const go = clientGo(lease, 'go-b', '1.36.0');
    await waitFor(() => go.leading, Boolean, 20_000);
    const started = go.events.find((e) => e.event === 'started')?.t ?? Number.NaN;
    console.log(`coordinated mixed: client-go led ${started - t0} ms after it started (Leasehold yielded)`);
    expect(log).toEqual(['lh-a started', 'lh-a stopped: handedOver']);
    expect(lh.election.isLeader()).toBe(false);
    // client-go keeps it (the handover cleared preferredHolder, so client-go sees no "end of term").
    await new Promise((r) => setTimeout(r, 3_000));
    expect(go.leading).toBe(true);
  } finally {
    await lh.election.stop();
    await campaign;
    await lh.registration.stop();
  }
}, 90_000);

it('client-go leads; a Leasehold candidate with an older version joins: client-go lets its lease run out, Leasehold takes it', async () => {
  const lease = uniqueName('coord-mixed');
  const log: string[] = [];
  const go = clientGo(lease, 'go-a', '1.37.0');
  await waitFor(() => go.leading, Boolean, 20_000);
  const lh = leasehold(lease, 'lh-b', '1.36.0', log);
  const campaign = lh.election.campaign();
  try {
    const t0 = Date.now();
    await lh.registration.start();
    await waitFor(() => lh.election.isLeader(), Boolean, 30_000);
    console.log(
      `coordinated mixed: Leasehold led ${Date.now() - t0} ms after it registered (client-go waited out its lease)`,
    );
    expect(log).toEqual(['lh-b started']);
    await waitFor(() => !go.leading, Boolean, 5_000);
  } finally {
    await lh.election.stop();
    await campaign;
    await lh.registration.stop();
  }
}, 90_000);
