import type { LeaderElection } from '@leasehold/core';
import {
  electionWithErrors,
  kubeConfig,
  leaderEvents,
  NAMESPACE,
  uniqueName,
  waitFor,
} from '@leasehold/kube-tools/testing.ts';
import { LeaderEventError, recordLeaderEvents } from '@leasehold/lease';
import { afterEach, expect, it } from 'vitest';
import { ConfigMapLock } from '../src/index.ts';

const running: LeaderElection[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

it('leader events on a ConfigMap lock; beyond the burst they are dropped, and that is said once', async () => {
  const name = uniqueName('events-cm');
  const lock = new ConfigMapLock({ name, namespace: NAMESPACE, identity: 'pod-a', kubeConfig: kubeConfig() });
  const { election: a, errors } = electionWithErrors(lock);
  running.push(a);
  recordLeaderEvents(a, lock, { burst: 2, refillSeconds: 3600 });
  for (let round = 0; round < 3; round += 1) {
    void a.acquire();
    await waitFor(() => a.isLeader(), Boolean, 10_000);
    await a.stop();
  }
  // Six transitions, two tokens: two events recorded, four dropped, one report of the drops.
  const events = await waitFor(
    () => leaderEvents(name),
    (list) => list.length >= 2,
    10_000,
  );
  await new Promise((r) => setTimeout(r, 500));
  expect((await leaderEvents(name)).map((e) => e.note)).toEqual([
    'pod-a became leader',
    'pod-a stopped leading',
  ]);
  expect(events[0]!.regarding).toMatchObject({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name,
    namespace: NAMESPACE,
  });
  expect(errors.map(String)).toEqual([
    expect.stringMatching(
      /leader event dropped by the rate limit \(2 at once, one per 3600s\); 1 dropped so far/,
    ),
  ]);
  expect(errors[0]).toBeInstanceOf(LeaderEventError);
});
