/**
 * Planned handover (issue 16) on the real API server: three Lease candidates, each with a KubeConfig of its
 * own (as separate pods); the leader hands over to a chosen follower, which leads about a round trip after
 * the old leader stopped; the third never leads; the Lease's transition count moves on by one.
 */
import { ElectionConfig, LeaderElection } from '@leasehold/core';
import { kubeConfig, NAMESPACE, uniqueName, waitFor } from '@leasehold/kube-tools/testing.ts';
import { expect, it } from 'vitest';
import { LeaseLock } from '../src/index.ts';

it('a leader hands over to a chosen follower: its work stops first, then the follower leads within a round trip', async () => {
  const name = uniqueName('handover');
  const events: { at: number; what: string }[] = [];
  const make = (id: string) =>
    new LeaderElection(
      new ElectionConfig({
        lock: new LeaseLock({ name, namespace: NAMESPACE, identity: id, kubeConfig: kubeConfig() }),
        leaseDuration: 4,
        renewDeadline: 2.5,
        retryPeriod: 1,
        onStartedLeading: async (signal) => {
          events.push({ at: performance.now(), what: `${id} started` });
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          events.push({ at: performance.now(), what: `${id} work done` });
        },
        onStoppedLeading: () => {
          events.push({ at: performance.now(), what: `${id} stopped` });
        },
        onError: () => {},
      }),
    );
  const [a, b, c] = [make('pod-a'), make('pod-b'), make('pod-c')] as const;
  try {
    await a.acquire();
    void b.run();
    void c.run();
    // The followers' watches live (they then wait quietly).
    await new Promise((r) => setTimeout(r, 1_500));
    const before = a.observedRecord?.leaderTransitions ?? -1;
    expect(await a.handover('pod-c')).toBe(true);
    await waitFor(() => c.isLeader(), Boolean, 5_000);
    const stopped = events.find((e) => e.what === 'pod-a stopped')?.at ?? Number.NaN;
    const started = events.find((e) => e.what === 'pod-c started')?.at ?? Number.NaN;
    console.log(
      `handover pod-a -> pod-c: ${(started - stopped).toFixed(1)} ms from pod-a stopping to pod-c leading`,
    );
    // Order: a's work ended, a stopped leading, then c started; b never led.
    expect(events.map((e) => e.what)).toEqual([
      'pod-a started',
      'pod-a work done',
      'pod-a stopped',
      'pod-c started',
    ]);
    expect(started - stopped).toBeGreaterThanOrEqual(0);
    expect(c.observedRecord).toMatchObject({ holderIdentity: 'pod-c', leaderTransitions: before + 1 });
    // c keeps it: two more retry periods of renewals, nobody else takes it.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(c.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(events.filter((e) => e.what.endsWith('started'))).toHaveLength(2);
  } finally {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  }
}, 60_000);

it('campaign() and stepDown() on the real API server: the leader steps aside, the other leads at once, it rejoins after the cool-down', async () => {
  const name = uniqueName('stepdown');
  const log: { at: number; what: string }[] = [];
  const make = (id: string) =>
    new LeaderElection(
      new ElectionConfig({
        lock: new LeaseLock({ name, namespace: NAMESPACE, identity: id, kubeConfig: kubeConfig() }),
        leaseDuration: 4,
        renewDeadline: 2.5,
        retryPeriod: 1,
        onStartedLeading: () => {
          log.push({ at: performance.now(), what: `${id} started` });
        },
        onStoppedLeading: (reason) => {
          log.push({ at: performance.now(), what: `${id} stopped: ${reason}` });
        },
        onError: () => {},
      }),
    );
  const a = make('pod-a');
  const b = make('pod-b');
  const campaigns = [a.campaign()];
  try {
    await waitFor(() => a.isLeader(), Boolean, 5_000);
    campaigns.push(b.campaign());
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await a.stepDown(2)).toBe(true);
    await waitFor(() => b.isLeader(), Boolean, 5_000);
    const stepped = log.find((l) => l.what === 'pod-a stopped: steppedDown')?.at ?? Number.NaN;
    const took = log.find((l) => l.what === 'pod-b started')?.at ?? Number.NaN;
    console.log(`step-down: pod-b led ${(took - stepped).toFixed(1)} ms after pod-a stepped aside`);
    expect(a.state).toBe('stopped');
    await waitFor(() => a.state === 'follower', Boolean, 5_000); // rejoined after its 2 s cool-down
    expect(b.isLeader()).toBe(true);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all(campaigns);
  }
  expect(log.map((l) => l.what)).toEqual([
    'pod-a started',
    'pod-a stopped: steppedDown',
    'pod-b started',
    'pod-b stopped: stopped',
  ]);
}, 60_000);
